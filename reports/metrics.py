"""The weekly figures, aggregated in SQL over the tickets and events tables.

Every figure describes the questions opened in the week (on the assigned manager's tickets),
as they stood at the week's end. Events after the end belong to no report, so a week reads
the same whenever it is asked for.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from desk.people import Team
from reports.field_figures import with_field_figures
from reports.figures import ManagerWeek, TeamWeek, WeeklySummary
from reports.history import count_history
from reports.percentiles import RankedGroups
from reports.progress import Progress
from reports.tally import Policy, Tally, count_opened, count_undecided, find_week, usual_target
from reports.weeks import IsoWeek

_QUERIES_PER_WEEK = 4


async def weekly_summary(
    conn: AsyncConnection,
    team: Team,
    week: IsoWeek,
    tz: ZoneInfo,
    *,
    supervisor_id: str | None = None,
    manager_id: str | None = None,
    progress: Progress | None = None,
) -> WeeklySummary:
    """Compute a week's figures per manager and for the team, with the team's week before."""
    scope = _scope(team, supervisor_id, manager_id)
    steps = _Steps(progress, 2 * _QUERIES_PER_WEEK)
    now = await _measure(conn, team, scope, week, tz, steps)
    before = await _measure(conn, team, scope, week.previous(), tz, steps)
    summary = WeeklySummary(
        week=week,
        timezone=tz.key,
        target_seconds=now.target,
        managers=now.managers,
        team=now.team,
        previous=before.team,
    )
    # Complaints are for supervisors (and the admin's command line), never a manager's own view.
    shown = supervisor_id is not None or manager_id is None
    return await with_field_figures(conn, summary, tz, complaints_shown=shown)


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


async def _measure(
    conn: AsyncConnection,
    team: Team,
    scope: tuple[str, ...] | None,
    week: IsoWeek,
    tz: ZoneInfo,
    steps: _Steps,
) -> _Measured:
    start, end = week.bounds(tz)
    tallies: dict[str, Tally] = defaultdict(Tally)
    policies: dict[str, Policy] = {}
    ranked = RankedGroups()
    found = await find_week(conn, start, end, scope)
    steps.tick()
    if found is None:
        steps.tick(_QUERIES_PER_WEEK - 1)
    else:
        policies = await count_opened(conn, found, tallies)
        steps.tick()
        targets = {text: p.target for text, p in policies.items() if p.target is not None}
        await count_undecided(conn, found, targets, tallies)
        steps.tick()
        ranked = await count_history(conn, found, targets, tallies)
        steps.tick()

    step_count = max(
        [p.steps for p in policies.values()]
        + [max(t.escalations, default=-1) + 1 for t in tallies.values()]
        + [0]
    )
    managers: list[ManagerWeek] = []
    whole = Tally()
    for manager_id in _manager_ids(team, scope, tallies):
        tally = tallies.get(manager_id, Tally())
        whole.add(tally)
        latencies = {
            "all": ranked.latency("first/manager", (manager_id,)),
            "business": ranked.latency("first/hours", (manager_id, False)),
            "off_hours": ranked.latency("first/hours", (manager_id, True)),
            "next": ranked.latency("next/manager", (manager_id,)),
        }
        managers.append(
            ManagerWeek(
                manager_id=manager_id,
                name=team.name_of(manager_id),
                **tally.figures(step_count, latencies),
            )
        )
    team_latencies = {
        "all": ranked.latency("first/team", ()),
        "business": ranked.latency("first/team_hours", (False,)),
        "off_hours": ranked.latency("first/team_hours", (True,)),
        "next": ranked.latency("next/team", ()),
    }
    return _Measured(
        target=usual_target(policies),
        managers=tuple(managers),
        team=TeamWeek(managers=len(managers), **whole.figures(step_count, team_latencies)),
    )


def _manager_ids(
    team: Team, scope: tuple[str, ...] | None, tallies: Mapping[str, Tally]
) -> list[str]:
    if scope is not None:
        return list(scope)
    known = list(team.managers)
    # Tickets of someone no longer in the config still count, listed after the team.
    return known + sorted(set(tallies) - set(known))
