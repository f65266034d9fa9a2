"""The week's events in one statement: counts per manager, and the ranked answers.

SQLite has no percentile function. Answers are ranked with window functions and only the few
rows a median, p90 or maximum reads come back, to be interpolated in Python. The tickets and
events are joined once; every window over the same group shares one sort, and the business
and off-hours ranks are running counts within it rather than sorts of their own. Answers are
ranked per manager and per team (a supervisor's managers), so one statement serves every
supervisor's summary.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    Float,
    FromClause,
    Integer,
    Select,
    String,
    Table,
    and_,
    case,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.types import TypeEngine

from desk.tickets import EventKind
from reports.percentiles import RankedGroups, is_wanted
from reports.tally import Tally, WeekTickets, hidden_kind, met
from storage.tables import events

# The events counted per manager; answers are ranked instead.
_COUNTED = frozenset(
    kind.value
    for kind in (EventKind.ESCALATED, EventKind.ON_IT, EventKind.ETA_BROKEN, EventKind.UNREACHABLE)
)
# The columns every part of the statement returns, NULL where a part has nothing to say.
_LAYOUT: tuple[tuple[str, TypeEngine[Any]], ...] = (
    ("part", String()),
    ("manager_id", String()),
    ("team", String()),
    ("kind", String()),
    ("step", Integer()),
    ("events", Integer()),
    ("off", Integer()),
    ("seconds", Float()),
    ("rank", Integer()),
    ("size", Integer()),
    ("business_rank", Integer()),
    ("business_size", Integer()),
    ("by_other", Integer()),
    ("met", Integer()),
)


async def count_history(
    conn: AsyncConnection,
    week: WeekTickets,
    targets: Mapping[str, float],
    tallies: Tallies,
    *,
    teams: Table | None = None,
    per_manager: bool = True,
) -> RankedGroups:
    """Count the week's events per manager and rank its answers per manager and per team.

    Without a teams table (manager_id, team) every manager is on one team, keyed "". Without
    per_manager only the teams' answers are ranked and counted, which spares a sort.
    """
    opened = week.tickets()
    people: FromClause = opened
    team: ColumnElement[str] = literal("")
    if teams is not None:
        people = opened.join(teams, teams.c.manager_id == opened.c.manager_id)
        team = teams.c.team

    def history(kind: ColumnElement[bool]) -> FromClause:
        on = and_(events.c.ticket_id == opened.c.id, kind, events.c.at < week.end)
        return people.outerjoin(events, on)

    facts = (
        select(
            opened.c.manager_id,
            team.label("team"),
            case((opened.c.off_hours, 1), else_=0).label("off"),
            events.c.kind,
            # Which series an answer belongs to: 0 the first answer, 1 the next replies.
            case((events.c.round >= 1, 1), (events.c.round == 0, 0), else_=null()).label("later"),
            events.c.seconds,
            case((events.c.actor != opened.c.manager_id, 1), else_=0).label("by_other"),
            met(events.c.seconds, opened.c.policy, targets).label("met"),
        )
        # A left join keeps SQLite on the week's tickets first, seeking each one's answers by
        # (ticket_id, kind) in the covering index; with an inner join and no statistics it
        # walks ix_events_kind_at through all history instead. A ticket without answers comes
        # back once with NULLs, which nothing ranks.
        .select_from(history(events.c.kind == EventKind.ANSWERED.value))
        .cte("facts")
    )
    # The counted kinds are found as one range in the covering index, then picked out. Not
    # an IN list: SQLite 3.40 seeks one on this index applying the bound on `at` to its first
    # value only (measured), and would count events after the week's end.
    low, high = min(_COUNTED), max(_COUNTED)
    counted = (
        select(
            *_layout(
                part=literal("count"),
                manager_id=opened.c.manager_id,
                kind=events.c.kind,
                step=events.c.step,
                events=func.count(),
            )
        )
        .select_from(people.join(events, events.c.ticket_id == opened.c.id))
        .where(
            events.c.kind.between(low, high),
            hidden_kind(events).in_(sorted(_COUNTED)),
            events.c.at < week.end,
        )
        .group_by(opened.c.manager_id, events.c.kind, events.c.step)
    )
    levels = ("manager", "team") if per_manager else ("team",)
    parts = [_ranked(facts, first, level) for first in (True, False) for level in levels]
    ranked = RankedGroups()
    for row in (await conn.execute(union_all(counted, *parts))).mappings():
        if row["part"] == "count":
            _count(tallies.managers[row["manager_id"]], row)
        else:
            _rank(ranked, tallies, row)
    return ranked


@dataclass
class Tallies:
    """A week's counts per manager, and the answer counts of each team from its own ranking."""

    managers: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    teams: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))


def _layout(**given: ColumnElement[Any]) -> list[ColumnElement[Any]]:
    return [
        (given[name] if name in given else cast(null(), kind)).label(name) for name, kind in _LAYOUT
    ]


def _ranked(facts: CTE, first: bool, level: str) -> Select[Any]:
    """Return the answers its medians, p90s and maxima read, per manager or per team."""
    series = and_(
        facts.c.kind == EventKind.ANSWERED.value,
        facts.c.later == (0 if first else 1),
        facts.c.seconds.is_not(None),
    )
    key = "manager_id" if level == "manager" else "team"
    needed = (key, "off", "seconds", "by_other", "met")
    answers = select(*(facts.c[name] for name in needed)).where(series).subquery("answers")
    # Only values come back, so equal latencies may rank in any order: no tiebreaker is needed.
    # Every window has the same partition and order, so they share one sort; a window over
    # the partition alone would sort it again.
    group: dict[str, Any] = {"partition_by": answers.c[key], "order_by": answers.c.seconds}
    whole, so_far = (None, None), (None, 0)
    business = 1 - answers.c.off
    windows = {
        "rank": func.row_number().over(**group, rows=whole),
        "size": func.count().over(**group, rows=whole),
        "by_other": func.sum(answers.c.by_other).over(**group, rows=whole),
    }
    if first:
        # Business and off-hours ranks are running counts in the same sort, not sorts apart.
        windows |= {
            "met": func.sum(answers.c.met).over(**group, rows=whole),
            "business_rank": func.sum(business).over(**group, rows=so_far),
            "business_size": func.sum(business).over(**group, rows=whole),
        }
    ranked = select(
        answers.c[key],
        answers.c.off,
        answers.c.seconds,
        *(window.label(name) for name, window in windows.items()),
    ).subquery("ranked")
    r: dict[str, ColumnElement[Any]] = {column.name: column for column in ranked.c}
    # Each group's first answer comes back too: it carries the group's totals.
    wanted = [r["rank"] == 1, is_wanted(r["rank"], r["size"])]
    if first:
        is_business, is_off = r["off"] == 0, r["off"] == 1
        off_rank, off_size = r["rank"] - r["business_rank"], r["size"] - r["business_size"]
        wanted += [
            and_(is_business, is_wanted(r["business_rank"], r["business_size"])),
            and_(is_off, is_wanted(off_rank, off_size)),
        ]
    part = f"{'first' if first else 'next'}/{level}"
    columns = _layout(part=literal(part), **r)
    return select(*columns).where(or_(*wanted))


def _count(tally: Tally, row: RowMapping) -> None:
    count = int(row["events"])
    if row["kind"] == EventKind.ESCALATED:
        if row["step"] is not None:
            tally.escalations[int(row["step"])] += count
    else:
        tally.events[row["kind"]] += count


def _rank(ranked: RankedGroups, tallies: Tallies, row: RowMapping) -> None:
    part, seconds = str(row["part"]), float(row["seconds"])
    series, level = part.split("/")
    key = row["manager_id"] if level == "manager" else row["team"]
    rank, size = int(row["rank"]), int(row["size"])
    if rank == 1:
        # Each group's first answer carries the group's totals.
        tally = (tallies.managers if level == "manager" else tallies.teams)[key]
        tally.answered_by_others += int(row["by_other"])
        if series == "first":
            tally.answered += size
            tally.met_target += int(row["met"])
    ranked.add(part, (key,), rank, size, seconds)
    if series != "first":
        return
    off = bool(row["off"])
    business = (int(row["business_rank"]), int(row["business_size"]))
    if off:
        business = (rank - business[0], size - business[1])
    ranked.add(f"first/{level}_hours", (key, off), *business, seconds)
