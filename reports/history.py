"""The week's events in one statement: counts per manager, and the ranked answers.

SQLite has no percentile function. Answers are ranked with window functions and only the few
rows a median, p90 or maximum reads come back, to be interpolated in Python. The tickets and
events are joined once; every window over the same group shares one sort, and the business
and off-hours ranks are running counts within it rather than sorts of their own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    Float,
    Integer,
    Select,
    String,
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
    ("kind", String()),
    ("step", Integer()),
    ("events", Integer()),
    ("off", Integer()),
    ("seconds", Float()),
    ("rank", Integer()),
    ("size", Integer()),
    ("business_rank", Integer()),
    ("business_size", Integer()),
    ("team_rank", Integer()),
    ("team_size", Integer()),
    ("team_business_rank", Integer()),
    ("team_business_size", Integer()),
    ("by_other", Integer()),
    ("met", Integer()),
)


async def count_history(
    conn: AsyncConnection,
    week: WeekTickets,
    targets: Mapping[str, float],
    tallies: dict[str, Tally],
) -> RankedGroups:
    """Count the week's events per manager and rank its answers, reading events once."""
    opened = week.tickets()
    facts = (
        select(
            opened.c.manager_id,
            case((opened.c.off_hours, 1), else_=0).label("off"),
            events.c.id,
            events.c.kind,
            events.c.step,
            events.c.round,
            events.c.seconds,
            case((events.c.actor != opened.c.manager_id, 1), else_=0).label("by_other"),
            met(events.c.seconds, opened.c.policy, targets).label("met"),
        )
        .select_from(opened.join(events, events.c.ticket_id == opened.c.id))
        .where(hidden_kind(events).in_([kind.value for kind in _KINDS]), events.c.at < week.end)
        .cte("facts")
    )
    counted = select(
        *_layout(
            part=literal("count"),
            manager_id=facts.c.manager_id,
            kind=facts.c.kind,
            step=facts.c.step,
            events=func.count(),
        )
    ).where(facts.c.kind != EventKind.ANSWERED.value)
    counted = counted.group_by(facts.c.manager_id, facts.c.kind, facts.c.step)
    statement = union_all(counted, _ranked(facts, first=True), _ranked(facts, first=False))
    ranked = RankedGroups()
    for row in (await conn.execute(statement)).mappings():
        if row["part"] == "count":
            _count(tallies[row["manager_id"]], row)
        else:
            _rank(ranked, tallies[row["manager_id"]], row)
    return ranked


def _layout(**given: ColumnElement[Any]) -> list[ColumnElement[Any]]:
    return [
        (given[name] if name in given else cast(null(), kind)).label(name) for name, kind in _LAYOUT
    ]


def _ranked(facts: CTE, *, first: bool) -> Select[Any]:
    """Return the answers of a series that its medians, p90s and maxima read."""
    is_series = facts.c.round == 0 if first else facts.c.round >= 1
    series = and_(facts.c.kind == EventKind.ANSWERED.value, is_series, facts.c.seconds.is_not(None))
    needed = ("manager_id", "off", "id", "seconds", "by_other", "met")
    answers = select(*(facts.c[name] for name in needed)).where(series).subquery("answers")
    # A unique tiebreaker keeps equal latencies in the same order in every window.
    order = [answers.c.seconds, answers.c.id]
    group: dict[str, Any] = {"partition_by": answers.c.manager_id, "order_by": order}
    team: dict[str, Any] = {"order_by": order}
    whole, so_far = (None, None), (None, 0)
    windows = {
        "rank": func.row_number().over(**group, rows=whole),
        "size": func.count().over(**group, rows=whole),
        "by_other": func.sum(answers.c.by_other).over(**group, rows=whole),
        "team_rank": func.row_number().over(**team, rows=whole),
        "team_size": func.count().over(**team, rows=whole),
    }
    if first:
        # Business and off-hours ranks are running counts in the same sort, not sorts apart.
        business = 1 - answers.c.off
        windows |= {
            "met": func.sum(answers.c.met).over(**group, rows=whole),
            "business_rank": func.sum(business).over(**group, rows=so_far),
            "business_size": func.sum(business).over(**group, rows=whole),
            "team_business_rank": func.sum(business).over(**team, rows=so_far),
            "team_business_size": func.sum(business).over(**team, rows=whole),
        }
    ranked = select(
        answers.c.manager_id,
        answers.c.off,
        answers.c.seconds,
        *(window.label(name) for name, window in windows.items()),
    ).subquery("ranked")
    r: dict[str, ColumnElement[Any]] = {column.name: column for column in ranked.c}
    # Each group's first answer comes back too: it carries the group's totals.
    wanted = [
        r["rank"] == 1,
        is_wanted(r["rank"], r["size"]),
        is_wanted(r["team_rank"], r["team_size"]),
    ]
    if first:
        is_business, is_off = r["off"] == 0, r["off"] == 1
        off_rank, off_size = r["rank"] - r["business_rank"], r["size"] - r["business_size"]
        team_off_rank = r["team_rank"] - r["team_business_rank"]
        team_off_size = r["team_size"] - r["team_business_size"]
        wanted += [
            and_(is_business, is_wanted(r["business_rank"], r["business_size"])),
            and_(is_off, is_wanted(off_rank, off_size)),
            and_(is_business, is_wanted(r["team_business_rank"], r["team_business_size"])),
            and_(is_off, is_wanted(team_off_rank, team_off_size)),
        ]
    columns = _layout(part=literal("first" if first else "next"), **r)
    return select(*columns).where(or_(*wanted))


def _count(tally: Tally, row: RowMapping) -> None:
    count = int(row["events"])
    if row["kind"] == EventKind.ESCALATED:
        if row["step"] is not None:
            tally.escalations[int(row["step"])] += count
    else:
        tally.events[row["kind"]] += count


def _rank(ranked: RankedGroups, tally: Tally, row: RowMapping) -> None:
    series, manager, seconds = row["part"], row["manager_id"], float(row["seconds"])
    rank, size = int(row["rank"]), int(row["size"])
    if rank == 1:
        # Each group's first answer carries the group's totals.
        tally.answered_by_others += int(row["by_other"])
        if series == "first":
            tally.answered += size
            tally.met_target += int(row["met"])
    ranked.add(f"{series}/manager", (manager,), rank, size, seconds)
    team_rank, team_size = int(row["team_rank"]), int(row["team_size"])
    ranked.add(f"{series}/team", (), team_rank, team_size, seconds)
    if series != "first":
        return
    off = bool(row["off"])
    business = (int(row["business_rank"]), int(row["business_size"]))
    team_business = (int(row["team_business_rank"]), int(row["team_business_size"]))
    if off:
        business = (rank - business[0], size - business[1])
        team_business = (team_rank - team_business[0], team_size - team_business[1])
    ranked.add("first/hours", (manager, off), *business, seconds)
    ranked.add("first/team_hours", (off,), *team_business, seconds)
