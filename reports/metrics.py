"""The weekly figures, aggregated in SQL over the tickets and events tables.

Every figure describes the questions opened in the week (on the assigned manager's tickets),
as they stood at the week's end. Events after the end belong to no report, so a week reads
the same whenever it is asked for.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from desk.people import Team
from reports.figures import USUAL_STANDARDS, ManagerWeek, Standards, TeamWeek, WeeklySummary
from reports.history import Tallies, count_events, count_history
from reports.outcomes import with_outcomes, with_teams_outcomes
from reports.percentiles import RankedGroups
from reports.tally import (
    Opened,
    Tally,
    count_opened,
    count_undecided,
    find_week,
    policies_of,
    usual_target,
)
from reports.weeks import IsoWeek

Progress = Callable[[int, int], None]
"""Called with (steps done, steps in all) as a summary is computed."""

_QUERIES_PER_WEEK = 4
# Stands for a summary's only team when every manager in it is on one team.
_ONE_TEAM = ""


async def weekly_summary(
    conn: AsyncConnection,
    team: Team,
    week: IsoWeek,
    tz: ZoneInfo,
    *,
    supervisor_id: str | None = None,
    manager_id: str | None = None,
    progress: Progress | None = None,
    standards: Standards = USUAL_STANDARDS,
) -> WeeklySummary:
    """Compute a week's figures per manager and for the team, with the team's week before."""
    scope = _scope(team, supervisor_id, manager_id)
    steps = _Steps(progress, 2 * _QUERIES_PER_WEEK)
    now = await _read(conn, scope, week, tz, steps)
    before = await _read(conn, scope, week.previous(), tz, steps, per_manager=False)
    ids = _manager_ids(team, scope, now.tallies.managers)
    # Each week's team is everyone with tickets in it: the week before may have had a manager
    # who since left, and its answers are ranked with theirs.
    before_ids = _manager_ids(team, scope, before.tallies.managers)
    summary = _summary(
        team,
        week,
        tz,
        now.cut(team, ids, standards, _ONE_TEAM),
        before.cut(team, before_ids, standards),
    )
    # Complaints are for supervisors (and the admin's command line), never a manager's own view.
    shown = supervisor_id is not None or manager_id is None
    return await with_outcomes(
        conn, summary, tz, complaints_shown=shown, low_rating=standards.low_rating
    )


async def managers_week(
    conn: AsyncConnection,
    team: Team,
    week: IsoWeek,
    tz: ZoneInfo,
    manager_ids: Iterable[str],
    *,
    standards: Standards = USUAL_STANDARDS,
) -> WeeklySummary:
    """Compute a week's figures for these managers as weekly_summary does, without complaints.

    The week before is left out (previous is None): a caller comparing weeks asks for each.
    """
    ids = list(dict.fromkeys(manager_ids))
    counted = await _read(conn, tuple(ids), week, tz, _Steps(None, _QUERIES_PER_WEEK))
    measured = counted.cut(team, ids, standards, _ONE_TEAM)
    summary = WeeklySummary(
        week=week,
        timezone=tz.key,
        target_seconds=measured.target,
        managers=measured.managers,
        team=measured.team,
    )
    return await with_outcomes(
        conn, summary, tz, complaints_shown=False, low_rating=standards.low_rating
    )


Reading = Callable[[], AbstractAsyncContextManager[AsyncConnection]]
"""Open a read connection, such as SqlStore.reading."""


async def team_summaries(
    reading: Reading,
    team: Team,
    week: IsoWeek,
    tz: ZoneInfo,
    supervisor_ids: Iterable[str],
    standards: Standards = USUAL_STANDARDS,
) -> dict[str, WeeklySummary]:
    """Compute several supervisors' summaries at once, each as weekly_summary would.

    Each week is read once for all of them, its answers copied once and ranked from the copy per
    manager and per team, and the two weeks are read side by side on connections of their own.
    """
    teams = {s: tuple(m.id for m in team.team_of(s)) for s in supervisor_ids}
    members = {m: s for s, ids in teams.items() for m in ids}

    async def before_then_events() -> tuple[_Counted, dict[str, Tally]]:
        # The week before is the lighter read (teams only), so its connection also counts the
        # reported week's events: 0.5-0.6 s of CPU at 1M off the longer read.
        before = await _read_teams(reading, members, week.previous(), tz, per_manager=False)
        return before, await _count_events(reading, week, tz)

    now, (before, counted) = await asyncio.gather(
        _read_teams(reading, members, week, tz, per_manager=True, events=False),
        before_then_events(),
    )
    for manager_id, tally in counted.items():
        now.tallies.managers[manager_id].add(tally)
    summaries = {
        key: _summary(
            team,
            week,
            tz,
            now.cut(team, list(ids), standards, key),
            before.cut(team, list(ids), standards, key),
        )
        for key, ids in teams.items()
    }
    async with reading() as conn:
        return await with_teams_outcomes(conn, summaries, week, tz, standards.low_rating)


async def _read_teams(
    reading: Reading,
    members: Mapping[str, str],
    week: IsoWeek,
    tz: ZoneInfo,
    *,
    per_manager: bool,
    events: bool = True,
) -> _Counted:
    async with reading() as conn:
        steps = _Steps(None, _QUERIES_PER_WEEK)
        return await _read(
            conn, None, week, tz, steps, teams=members, per_manager=per_manager, events=events
        )


async def _count_events(reading: Reading, week: IsoWeek, tz: ZoneInfo) -> dict[str, Tally]:
    tallies: dict[str, Tally] = defaultdict(Tally)
    async with reading() as conn:
        found = await find_week(conn, *week.bounds(tz), None)
        if found is not None:
            await count_events(conn, found, tallies)
    return tallies


def _summary(
    team: Team, week: IsoWeek, tz: ZoneInfo, now: _Measured, before: _Measured
) -> WeeklySummary:
    return WeeklySummary(
        week=week,
        timezone=tz.key,
        target_seconds=now.target,
        managers=now.managers,
        team=now.team,
        previous=before.team,
    )


def _scope(team: Team, supervisor_id: str | None, manager_id: str | None) -> tuple[str, ...] | None:
    if supervisor_id is None:
        return None if manager_id is None else (manager_id,)
    ids = tuple(m.id for m in team.team_of(supervisor_id))
    return ids if manager_id is None else tuple(i for i in ids if i == manager_id)


@dataclass
class _Steps:
    report: Progress | None
    total: int
    done: int = 0

    def tick(self, count: int = 1) -> None:
        self.done += count
        if self.report is not None:
            self.report(self.done, self.total)


@dataclass(frozen=True)
class _Measured:
    target: float | None
    managers: tuple[ManagerWeek, ...]
    team: TeamWeek


@dataclass(frozen=True)
class _Counted:
    """A week's counts per manager and its ranked answers, before they are cut per team."""

    opened: list[Opened]
    tallies: Tallies
    ranked: RankedGroups

    def cut(
        self, team: Team, ids: list[str], standards: Standards, team_key: str = _ONE_TEAM
    ) -> _Measured:
        """Return the figures of these managers and of them together as the team team_key."""
        chosen = set(ids)
        policies = policies_of(o for o in self.opened if o.manager_id in chosen)
        tallies = [self.tallies.managers.get(i, Tally()) for i in ids]
        configured = standards.policy
        # The configured ladder keeps the columns the same from week to week, quiet ones too.
        step_count = max(
            [p.steps for p in policies.values()]
            + [max(t.escalations, default=-1) + 1 for t in tallies]
            + [len(configured.steps) if configured else 0]
        )
        managers: list[ManagerWeek] = []
        whole = Tally()
        for manager_id, tally in zip(ids, tallies, strict=True):
            whole.add(tally)
            latencies = {
                "all": self.ranked.latency("first/manager", (manager_id,)),
                "business": self.ranked.latency("first/manager_hours", (manager_id, False)),
                "off_hours": self.ranked.latency("first/manager_hours", (manager_id, True)),
                "next": self.ranked.latency("next/manager", (manager_id,)),
            }
            managers.append(
                ManagerWeek(
                    manager_id=manager_id,
                    name=team.name_of(manager_id),
                    **tally.figures(step_count, latencies),
                )
            )
        # The team's answers are counted where they are ranked, on the team's own partition.
        answers = self.tallies.teams.get(team_key, Tally())
        whole.answered, whole.met_target = answers.answered, answers.met_target
        whole.answered_by_others = answers.answered_by_others
        team_latencies = {
            "all": self.ranked.latency("first/team", (team_key,)),
            "business": self.ranked.latency("first/team_hours", (team_key, False)),
            "off_hours": self.ranked.latency("first/team_hours", (team_key, True)),
            "next": self.ranked.latency("next/team", (team_key,)),
        }
        first_step = configured.first_target if configured else None
        target = usual_target(policies)
        if target is None and first_step is not None:
            target = first_step.total_seconds()
        return _Measured(
            target=target,
            managers=tuple(managers),
            team=TeamWeek(managers=len(managers), **whole.figures(step_count, team_latencies)),
        )


async def _read(
    conn: AsyncConnection,
    scope: tuple[str, ...] | None,
    week: IsoWeek,
    tz: ZoneInfo,
    steps: _Steps,
    *,
    teams: Mapping[str, str] | None = None,
    per_manager: bool = True,
    events: bool = True,
) -> _Counted:
    """Read a week's counts and ranked answers; without events, leave its events uncounted."""
    start, end = week.bounds(tz)
    tallies = Tallies()
    opened: list[Opened] = []
    ranked = RankedGroups()
    found = await find_week(conn, start, end, scope)
    steps.tick()
    if found is None:
        steps.tick(_QUERIES_PER_WEEK - 1)
    else:
        opened = await count_opened(conn, found, tallies.managers)
        steps.tick()
        policies = policies_of(opened)
        targets = {text: p.target for text, p in policies.items() if p.target is not None}
        await count_undecided(conn, found, targets, tallies.managers)
        steps.tick()
        ranked = await count_history(
            conn, found, targets, tallies, teams=teams, per_manager=per_manager
        )
        if events:
            await count_events(conn, found, tallies.managers)
        steps.tick()
    return _Counted(opened, tallies, ranked)


def _manager_ids(
    team: Team, scope: tuple[str, ...] | None, tallies: Mapping[str, Tally]
) -> list[str]:
    if scope is not None:
        return list(scope)
    known = list(team.managers)
    # Tickets of someone no longer in the config still count, listed after the team.
    return known + sorted(set(tallies) - set(known))
