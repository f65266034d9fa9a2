"""The week's events: counts per manager, and the answers ranked per manager and per team.

The answers are copied once and ranked from that copy per manager and per team (a supervisor's
managers), so one read serves every supervisor's summary; see reports.ranking.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Insert, and_, case, func, insert, null, select
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from desk.tickets import EventKind
from reports import ranking
from reports.percentiles import RankedGroups
from reports.tally import Tally, WeekTickets, hidden_kind, met
from storage.tables import events

# The events counted per manager; answers are ranked instead.
_COUNTED = frozenset(
    kind.value
    for kind in (EventKind.ESCALATED, EventKind.ON_IT, EventKind.ETA_BROKEN, EventKind.UNREACHABLE)
)


async def count_history(
    conn: AsyncConnection,
    week: WeekTickets,
    targets: Mapping[str, float],
    tallies: Tallies,
    *,
    teams: Mapping[str, str] | None = None,
    per_manager: bool = True,
) -> RankedGroups:
    """Rank the week's answers per manager and per team, and count them where ranked.

    teams maps each manager read to a team; without it every manager found in tallies (as
    count_opened leaves them) is on one team, keyed "". Without per_manager only the teams'
    answers are ranked, which spares a sort.
    """
    if teams is None:
        teams = dict.fromkeys(tallies.managers, "")
    numbering = await ranking.start(conn, teams)
    await conn.execute(_copy_answers(week, targets))
    cuts = numbering.cuts(per_manager=per_manager)
    for statement in ranking.sort(cuts, numbered=conn.dialect.name == "postgresql"):
        await conn.execute(statement)
    ranked = RankedGroups()
    for row in await conn.execute(ranking.picked(cuts)):
        _rank(ranked, tallies, ranking.cut_of(cuts, int(row.grp)), row)
    await ranking.finish(conn)
    return ranked


async def count_events(conn: AsyncConnection, week: WeekTickets, tallies: dict[str, Tally]) -> None:
    """Count the week's escalations, on-it replies, broken ETAs and unreachable managers.

    Managers outside the teams read are counted too, and never read: that is cheaper than
    looking each ticket's manager up.
    """
    # The counted kinds are found as one range in the covering index, then picked out. Not
    # an IN list: SQLite 3.40 seeks one on this index applying the bound on `at` to its first
    # value only (measured), and would count events after the week's end.
    low, high = min(_COUNTED), max(_COUNTED)
    opened = week.tickets()
    counted = (
        select(opened.c.manager_id, events.c.kind, events.c.step, func.count())
        .select_from(opened.join(events, events.c.ticket_id == opened.c.id))
        .where(
            events.c.kind.between(low, high),
            hidden_kind(events).in_(sorted(_COUNTED)),
            events.c.at < week.end,
        )
        .group_by(opened.c.manager_id, events.c.kind, events.c.step)
    )
    for manager_id, kind, step, count in await conn.execute(counted):
        _count(tallies[manager_id], kind, step, int(count))


@dataclass
class Tallies:
    """A week's counts per manager, and the answer counts of each team from its own ranking."""

    managers: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    teams: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))


def _copy_answers(week: WeekTickets, targets: Mapping[str, float]) -> Insert:
    """Return the statement that copies the week's answers into ranking.answers."""
    opened = week.tickets()
    who = ranking.people
    answered = and_(
        events.c.ticket_id == opened.c.id,
        events.c.kind == EventKind.ANSWERED.value,
        events.c.at < week.end,
    )
    # Which series an answer belongs to: 0 the first answer, 1 the next replies.
    later: ColumnElement[int] = case(
        (events.c.round >= 1, 1), (events.c.round == 0, 0), else_=null()
    )
    facts = (
        select(
            who.c.manager_no,
            who.c.team_no,
            case((opened.c.off_hours, 1), else_=0).label("off"),
            later.label("later"),
            ranking.micros(events.c.seconds).label("micros"),
            case((events.c.actor != opened.c.manager_id, 1), else_=0).label("by_other"),
            met(events.c.seconds, opened.c.policy, targets).label("met"),
        )
        # A left join keeps SQLite on the week's tickets first, seeking each one's answers by
        # (ticket_id, kind) in the covering index; with an inner join and no statistics it
        # walks ix_events_kind_at through all history instead. A ticket without answers
        # comes back once with NULLs, which the filter below drops.
        .select_from(
            opened.join(who, who.c.manager_id == opened.c.manager_id).outerjoin(events, answered)
        )
        .where(later.is_not(None), events.c.seconds.is_not(None))
    )
    columns = ["manager_no", "team_no", "off", "later", "micros", "by_other", "met"]
    return insert(ranking.answers).from_select(columns, facts)


def _count(tally: Tally, kind: str, step: int | None, count: int) -> None:
    if kind == EventKind.ESCALATED:
        if step is not None:
            tally.escalations[int(step)] += count
    else:
        tally.events[kind] += count


def _rank(ranked: RankedGroups, tallies: Tallies, cut: ranking.Cut, row: Row[Any]) -> None:
    part, key, first = cut.read(int(row.grp))
    rank, size = int(row.rank), int(row.size)
    if rank == 1 and not cut.hours:
        # Each group's first answer carries the group's totals.
        tally = (tallies.managers if cut.level == "manager" else tallies.teams)[key[0]]
        tally.answered_by_others += int(row.by_other)
        if first:
            tally.answered += size
            tally.met_target += int(row.met)
    ranked.add(part, key, rank, size, ranking.seconds_of(int(row.key)))
