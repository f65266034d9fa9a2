"""What came of a week's service: ratings, complaints and supply outcomes, beside its latencies.

Ratings count in the week they were given, complaints and supply requests in the week they
were opened; a supply outcome counts as it stood at the week's end. Complaint counts are
only filled in where the reader may see them: never in a manager's own view.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from desk.supply import SupplyOutcome
from reports.figures import BrandWeek, SupplyCount, WeekFigures, WeeklySummary
from reports.weeks import IsoWeek
from storage.tables import complaints, ratings, supply_requests

Figures = TypeVar("Figures", bound=WeekFigures)


@dataclass(frozen=True)
class _Ratings:
    count: int = 0
    total: int = 0
    low: int = 0

    def __add__(self, other: _Ratings) -> _Ratings:
        return _Ratings(self.count + other.count, self.total + other.total, self.low + other.low)


@dataclass(frozen=True)
class _Week:
    ratings: Mapping[str, _Ratings]
    complaints: Mapping[str, int]
    supply: Mapping[tuple[str, str], tuple[str, SupplyCount]]

    def supply_of(self, manager_id: str) -> SupplyCount:
        counts = (c for (m, _), (_, c) in self.supply.items() if m == manager_id)
        return sum(counts, SupplyCount())


async def with_outcomes(
    conn: AsyncConnection,
    summary: WeeklySummary,
    tz: ZoneInfo,
    *,
    complaints_shown: bool,
    low_rating: int,
) -> WeeklySummary:
    """Return the summary with ratings, complaints (where shown) and supply outcomes."""
    ids = [m.manager_id for m in summary.managers]
    # Complaints not shown are not read either: the complaints table stays out of the query.
    read = complaints_shown
    now = await _read(conn, summary.week, tz, ids, low_rating, complaints=read)
    before = None
    if summary.previous:
        before = await _read(conn, summary.week.previous(), tz, ids, low_rating, complaints=read)
    return _filled(summary, now, before, complaints_shown)


async def with_teams_outcomes(
    conn: AsyncConnection,
    summaries: Mapping[str, WeeklySummary],
    week: IsoWeek,
    tz: ZoneInfo,
    low_rating: int,
) -> dict[str, WeeklySummary]:
    """Return supervisors' summaries of one week with their outcomes, read once for all."""
    ids = sorted({m.manager_id for s in summaries.values() for m in s.managers})
    now = await _read(conn, week, tz, ids, low_rating)
    before = await _read(conn, week.previous(), tz, ids, low_rating)
    return {key: _filled(s, now, before, True) for key, s in summaries.items()}


def _filled(
    summary: WeeklySummary, now: _Week, before: _Week | None, complaints_shown: bool
) -> WeeklySummary:
    ids = [m.manager_id for m in summary.managers]
    managers = tuple(_fill(m, now, [m.manager_id], complaints_shown) for m in summary.managers)
    team = _fill(summary.team, now, ids, complaints_shown)
    previous = summary.previous
    if previous is not None and before is not None:
        previous = _fill(previous, before, ids, complaints_shown)
    return replace(
        summary, managers=managers, team=team, previous=previous, brands=_brands(now, ids)
    )


def _fill(figures: Figures, week: _Week, ids: Iterable[str], shown: bool) -> Figures:
    ids = list(ids)
    rated = sum((week.ratings.get(i, _Ratings()) for i in ids), _Ratings())
    return replace(
        figures,
        rating_average=rated.total / rated.count if rated.count else None,
        rating_count=rated.count,
        low_ratings=rated.low,
        complaints=sum(week.complaints.get(i, 0) for i in ids) if shown else None,
        supply=sum((week.supply_of(i) for i in ids), SupplyCount()),
    )


def _brands(week: _Week, ids: list[str]) -> tuple[BrandWeek, ...]:
    """Return the team's brands, most requested first, then each manager's, named alike."""
    team: dict[str, tuple[str, SupplyCount]] = {}
    for (manager_id, key), (brand, counts) in week.supply.items():
        if manager_id in ids:
            shown, before = team.get(key, (brand, SupplyCount()))
            team[key] = (shown, before + counts)
    ranked = sorted(team, key=lambda k: (-team[k][1].requests, team[k][0]))
    rows = [BrandWeek(team[key][0], None, team[key][1]) for key in ranked]
    for manager_id in ids:
        rows += [
            BrandWeek(team[key][0], manager_id, week.supply[(manager_id, key)][1])
            for key in ranked
            if (manager_id, key) in week.supply
        ]
    return tuple(rows)


async def _read(
    conn: AsyncConnection,
    week: IsoWeek,
    tz: ZoneInfo,
    ids: list[str],
    low_rating: int,
    *,
    complaints: bool = True,
) -> _Week:
    start, end = week.bounds(tz)
    return _Week(
        ratings=await _ratings(conn, start, end, ids, low_rating),
        complaints=await _complaints(conn, start, end, ids) if complaints else {},
        supply=await _supply(conn, start, end, ids),
    )


async def _ratings(
    conn: AsyncConnection, start: datetime, end: datetime, ids: list[str], low_rating: int
) -> dict[str, _Ratings]:
    low: ColumnElement[Any] = case((ratings.c.score <= low_rating, 1), else_=0)
    rows = await conn.execute(
        select(ratings.c.manager_id, func.count(), func.sum(ratings.c.score), func.sum(low))
        .where(ratings.c.rated_at >= start, ratings.c.rated_at < end)
        .where(ratings.c.score.is_not(None), ratings.c.manager_id.in_(ids))
        .group_by(ratings.c.manager_id)
    )
    return {m: _Ratings(int(n), int(total or 0), int(lows or 0)) for m, n, total, lows in rows}


async def _complaints(
    conn: AsyncConnection, start: datetime, end: datetime, ids: list[str]
) -> dict[str, int]:
    rows = await conn.execute(
        select(complaints.c.manager_id, func.count())
        .where(complaints.c.opened_at >= start, complaints.c.opened_at < end)
        .where(complaints.c.manager_id.in_(ids))
        .group_by(complaints.c.manager_id)
    )
    return {manager_id: int(count) for manager_id, count in rows}


async def _supply(
    conn: AsyncConnection, start: datetime, end: datetime, ids: list[str]
) -> dict[tuple[str, str], tuple[str, SupplyCount]]:
    known = supply_requests.c.outcome_at < end

    def ended(outcome: SupplyOutcome) -> ColumnElement[Any]:
        return func.sum(case(((supply_requests.c.outcome == outcome.value) & known, 1), else_=0))

    rows = await conn.execute(
        select(
            supply_requests.c.manager_id,
            supply_requests.c.brand_key,
            func.min(supply_requests.c.brand),
            func.count(),
            ended(SupplyOutcome.OUT_OF_STOCK),
            ended(SupplyOutcome.REFUSED),
        )
        .where(supply_requests.c.opened_at >= start, supply_requests.c.opened_at < end)
        .where(supply_requests.c.manager_id.in_(ids))
        .group_by(supply_requests.c.manager_id, supply_requests.c.brand_key)
    )
    found: dict[tuple[str, str], tuple[str, SupplyCount]] = {}
    for manager_id, key, brand, count, out_of_stock, refused in rows:
        counts = SupplyCount(int(count), int(out_of_stock or 0), int(refused or 0))
        found[(manager_id, key)] = (brand, counts)
    return found


async def brands_between(
    conn: AsyncConnection, start: datetime, end: datetime, manager_ids: Iterable[str]
) -> tuple[BrandWeek, ...]:
    """Return supply outcomes by brand as the weekly summary counts them: team, then managers."""
    ids = list(dict.fromkeys(manager_ids))
    found = await _supply(conn, start, end, ids)
    return _brands(_Week(ratings={}, complaints={}, supply=found), ids)
