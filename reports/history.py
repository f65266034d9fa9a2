"""The week's events in one statement: counts per manager, and the ranked answers.

SQLite has no percentile function. Answers are ranked with window functions and only the few
rows a median, p90 or maximum reads come back, to be interpolated in Python. The tickets and
events are joined once; every window over the same group shares one sort, and the business
and off-hours ranks are running counts within it rather than sorts of their own. Answers are
ranked per manager and per team (a supervisor's managers), so one statement serves every
supervisor's summary.
"""

from __future__ import annotations

from collections.abc import Mapping
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

_KINDS = (
    EventKind.ANSWERED,
    EventKind.ESCALATED,
    EventKind.ON_IT,
    EventKind.ETA_BROKEN,
    EventKind.UNREACHABLE,
)
# The columns every part of the statement returns, NULL where a part has nothing to say.
_LAYOUT: tuple[tuple[str, TypeEngine[Any]], ...] = (
    ("part", String()),
    ("manager_id", String()),
    ("team", String()),
    ("kind", String()),
    ("step", Integer()),
    ("later", Integer()),
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
    tallies: dict[str, Tally],
    *,
    teams: Table | None = None,
    per_manager: bool = True,
) -> RankedGroups:
    """Count the week's events per manager and rank its answers per manager and team.

    Without a teams table (manager_id, team) every manager is on one team, keyed "". Without
    per_manager only the teams' answers are ranked, which spares a sort of every answer.
    """
    opened = week.tickets()
    source: FromClause = opened.join(events, events.c.ticket_id == opened.c.id)
    team: ColumnElement[str] = literal("")
    if teams is not None:
        source = source.join(teams, teams.c.manager_id == opened.c.manager_id)
        team = teams.c.team
    facts = (
        select(
            opened.c.manager_id,
            team.label("team"),
            case((opened.c.off_hours, 1), else_=0).label("off"),
            events.c.kind,
            events.c.step,
            # Which series an answer belongs to: 0 the first answer, 1 the next replies.
            case((events.c.round >= 1, 1), (events.c.round == 0, 0), else_=null()).label("later"),
            events.c.seconds,
            case((events.c.actor != opened.c.manager_id, 1), else_=0).label("by_other"),
            met(events.c.seconds, opened.c.policy, targets).label("met"),
        )
        .select_from(source)
        .where(hidden_kind(events).in_([kind.value for kind in _KINDS]), events.c.at < week.end)
        .cte("facts")
    )
    # Answers count only with a latency, as they are ranked.
    counted = select(
        *_layout(
            part=literal("count"),
            manager_id=facts.c.manager_id,
            kind=facts.c.kind,
            step=facts.c.step,
            later=facts.c.later,
            events=func.count(),
            by_other=func.sum(facts.c.by_other),
            met=func.sum(facts.c.met),
        )
    ).where(or_(facts.c.kind != EventKind.ANSWERED.value, facts.c.seconds.is_not(None)))
    counted = counted.group_by(facts.c.manager_id, facts.c.kind, facts.c.step, facts.c.later)
    levels = ("manager", "team") if per_manager else ("team",)
    parts = [_ranked(facts, first, level) for first in (True, False) for level in levels]
    statement = union_all(counted, *parts)
    ranked = RankedGroups()
    for row in (await conn.execute(statement)).mappings():
        if row["part"] == "count":
            _count(tallies[row["manager_id"]], row)
        else:
            _rank(ranked, row)
    return ranked


def _layout(**given: ColumnElement[Any]) -> list[ColumnElement[Any]]:
    return [
        (given[name] if name in given else cast(null(), kind)).label(name) for name, kind in _LAYOUT
    ]


def _ranked(facts: CTE, first: bool, level: str) -> Select[Any]:
    """Return the answers its medians, p90s and maxima read, per manager or per team."""
    is_series = facts.c.later == (0 if first else 1)
    series = and_(facts.c.kind == EventKind.ANSWERED.value, is_series, facts.c.seconds.is_not(None))
    key = "manager_id" if level == "manager" else "team"
    answers = select(facts.c[key], facts.c.off, facts.c.seconds).where(series).subquery("answers")
    # Only values come back, so equal latencies may rank in any order: no tiebreaker is needed.
    group: dict[str, Any] = {"partition_by": answers.c[key], "order_by": answers.c.seconds}
    whole, so_far = (None, None), (None, 0)
    windows = {
        "rank": func.row_number().over(**group, rows=whole),
        "size": func.count().over(**group, rows=whole),
    }
    if first:
        # Business and off-hours ranks are running counts in the same sort, not sorts apart.
        business = 1 - answers.c.off
        windows |= {
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
    wanted = [is_wanted(r["rank"], r["size"])]
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
    if row["kind"] == EventKind.ANSWERED:
        if row["later"] is None:
            return
        tally.answered_by_others += int(row["by_other"])
        if not row["later"]:
            tally.answered += count
            tally.met_target += int(row["met"])
    elif row["kind"] == EventKind.ESCALATED:
        if row["step"] is not None:
            tally.escalations[int(row["step"])] += count
    else:
        tally.events[row["kind"]] += count


def _rank(ranked: RankedGroups, row: RowMapping) -> None:
    part, seconds = str(row["part"]), float(row["seconds"])
    series, level = part.split("/")
    key = row["manager_id"] if level == "manager" else row["team"]
    rank, size = int(row["rank"]), int(row["size"])
    ranked.add(part, (key,), rank, size, seconds)
    if series != "first":
        return
    off = bool(row["off"])
    business = (int(row["business_rank"]), int(row["business_size"]))
    if off:
        business = (rank - business[0], size - business[1])
    ranked.add(f"first/{level}_hours", (key, off), *business, seconds)
