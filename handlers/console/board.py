"""The page's weekly board: managers this week, low ratings, supply, the heatmap and the rota."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncConnection

from desk.context import DeskContext
from handlers.console.cells import BoardLinks, heat_cells
from handlers.console.services import ConsoleServices
from reports import (
    DutySlot,
    Heatmap,
    HourOfWeek,
    IsoWeek,
    LowRating,
    ManagerStanding,
    Standards,
    Standings,
    SupplyDisputes,
    TicketFigure,
    TicketFilter,
    count_low_ratings,
    low_ratings,
    managers_this_week,
    question_heatmap,
    rota_ahead,
    supply_disputes,
)
from reports.scope import Scope

LOW_RATING_DAYS = 7
# The latest low ratings the page lists; the rest are behind their count's link.
LOW_RATINGS_SHOWN = 50
# The longest "last days", or span between two moments (the heatmap's four weeks fit), a list
# behind a number is asked for.
MAX_DAYS = 31
# What a link behind a board number is bounded by; a live strip's link has none of them.
BOUNDS = ("week", "since", "until", "days")
HOUR_FIGURES = (TicketFigure.HOUR, TicketFigure.HOUR_ANSWERED)


# Each sortable column of managers this week, and the figure it sorts by.
SORTS: dict[str, Callable[[ManagerStanding], Any]] = {
    "name": lambda m: m.name,
    "open": lambda m: m.open_now,
    "business_median": lambda m: m.week.business.median,
    "business_p90": lambda m: m.week.business.p90,
    "off_hours_median": lambda m: m.week.off_hours.median,
    "off_hours_p90": lambda m: m.week.off_hours.p90,
    "within_target": lambda m: m.week.within_target,
    "escalated": lambda m: m.week.escalated,
    "eta_broken": lambda m: m.week.eta_broken,
    "rating": lambda m: m.week.rating_average,
    "low_ratings": lambda m: m.week.low_ratings,
}


def share(value: float | None) -> str:
    """Write a share as a whole percentage, a dash when unknown."""
    return "—" if value is None else f"{value * 100:.0f}%"


def score(value: float | None) -> str:
    """Write an average rating to one decimal, a dash when unknown."""
    return "—" if value is None else f"{value:.1f}"


def stamp(moment: datetime) -> str:
    """Write a moment for a link, in UTC to the microsecond (2026-11-17T02:00:00Z)."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class Sort:
    """How the managers' rows are sorted: a column of SORTS, and whether highest first."""

    column: str = "name"
    descending: bool = False

    @classmethod
    def parse(cls, text: str | None) -> Sort:
        """Read ?sort=column (lowest first) or ?sort=-column (highest first); else by name."""
        text = text or ""
        descending = text.startswith("-")
        column = text.removeprefix("-")
        return cls(column, descending) if column in SORTS else cls()

    def link(self, column: str) -> str:
        """Return the ?sort= value a column's heading links to: this column, order flipped."""
        flip = column == self.column and not self.descending
        return f"-{column}" if flip else column

    def apply(self, rows: tuple[ManagerStanding, ...]) -> list[ManagerStanding]:
        """Return the rows sorted; a row without the figure sorts last either way."""
        key = SORTS[self.column]
        known = [m for m in rows if key(m) is not None]
        unknown = [m for m in rows if key(m) is None]
        return sorted(known, key=key, reverse=self.descending) + unknown


@dataclass(frozen=True)
class Board:
    """Everything the page shows below the live parts, for one viewer at one moment."""

    standings: Standings
    managers: list[ManagerStanding]
    sort: Sort
    # The latest low ratings, and how many there are in all.
    low: tuple[LowRating, ...]
    low_count: int
    low_since: datetime
    supply: SupplyDisputes
    heatmap: Heatmap
    rota: tuple[DutySlot, ...]

    def heat_cells(self, kind: str, day: int, span: Callable[[float], str]) -> Markup:
        """Return one weekday's row of a heatmap: "questions", or the "median" first response."""
        return heat_cells(self.heatmap, self.links, kind, day, span)

    @cached_property
    def links(self) -> BoardLinks:
        """Return how this board's numbers link to their lists."""
        bounds = stamp(self.heatmap.start), stamp(self.heatmap.end)
        return BoardLinks(self.standings.week, *bounds)


def standards_of(console: ConsoleServices) -> Standards:
    """Return what the desk holds managers to, as the weekly summary reads it."""
    return Standards(console.ctx.policy, console.ctx.ratings.low)


async def board_of(
    console: ConsoleServices, conn: AsyncConnection, scope: Scope, now: datetime, sort: Sort
) -> Board:
    """Read the board of one viewer's scope, through the report queries and the app's keeps."""
    ctx = console.ctx
    tz = ctx.timezone
    standings = await _standings(console, conn, scope, now)
    return Board(
        standings=standings,
        managers=sort.apply(standings.managers),
        sort=sort,
        low=await low_ratings(
            conn,
            ctx.team,
            scope,
            now,
            days=LOW_RATING_DAYS,
            low=ctx.ratings.low,
            limit=LOW_RATINGS_SHOWN,
        ),
        low_count=await count_low_ratings(
            conn, scope, now, days=LOW_RATING_DAYS, low=ctx.ratings.low
        ),
        low_since=now - timedelta(days=LOW_RATING_DAYS),
        supply=await supply_disputes(conn, ctx.team, scope, now, tz),
        heatmap=await question_heatmap(conn, scope, now, tz, kept=console.kept.heatmaps),
        rota=rota_ahead(ctx.team, now, tz),
    )


async def _standings(
    console: ConsoleServices, conn: AsyncConnection, scope: Scope, now: datetime
) -> Standings:
    key = tuple(sorted(scope.manager_ids))
    kept = console.kept.standings

    async def computed(conn: AsyncConnection, now: datetime) -> Standings:
        ctx = console.ctx
        return await managers_this_week(
            conn,
            ctx.team,
            scope,
            now,
            ctx.timezone,
            standards=standards_of(console),
            finished=console.kept.finished,
        )

    async def again() -> Standings:
        async with console.store.reading() as own:
            return await computed(own, console.ctx.clock.now())

    # Once the week turns, last week's figures are no page's "this week", however fresh.
    shown = kept.get(key, now, IsoWeek.containing(now, console.ctx.timezone))
    if shown is None:
        shown = await computed(conn, now)
        kept.keep(key, shown)
    kept.refresh(key, now, again)
    return shown


def page_asked(query: Mapping[str, str]) -> int | None:
    """Return the list page asked for (1 when none is), None when it is no page number."""
    try:
        page = int(query.get("page", "1"))
    except ValueError:
        return None
    return page if page >= 1 else None


def board_filter(
    query: Mapping[str, str], ctx: DeskContext, low: int
) -> tuple[TicketFilter, int] | None:
    """Read a board number's link; None when any part of it is not one the board writes.

    ?figure=…&week=…|since=…&until=…|days=…, then maybe &manager=…&brand=…&page=…, and
    for a heatmap cell's figures &weekday=…&hour=… (local, in the desk's zone).
    """
    page = page_asked(query)
    try:
        figure = TicketFigure(query.get("figure", TicketFigure.RECEIVED.value))
        start, end = _bounds(query, ctx)
        hour = _hour(figure, query, ctx.timezone)
    except (ValueError, OverflowError):
        return None
    if page is None:
        return None
    wanted = TicketFilter(
        figure,
        start,
        end,
        manager_id=query.get("manager") or None,
        brand_key=query.get("brand") or None,
        low=low,
        hour=hour,
    )
    return wanted, page


def _bounds(query: Mapping[str, str], ctx: DeskContext) -> tuple[datetime, datetime]:
    """Return a link's [start, end): an ISO week, two moments, or the last days up to now."""
    if "week" in query:
        return IsoWeek.parse(query["week"]).bounds(ctx.timezone)
    if "since" in query or "until" in query:
        tz = ctx.timezone
        start, end = _moment(query.get("since", ""), tz), _moment(query.get("until", ""), tz)
        if not timedelta(0) < end - start <= timedelta(days=MAX_DAYS):
            raise ValueError("the moments are out of order or too far apart")
        return start, end
    days = int(query.get("days", ""))
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"{days} days is not a list the board links to")
    # As the low ratings count them: the days before now, now included.
    end = ctx.clock.now() + timedelta(microseconds=1)
    return end - timedelta(days=days), end


def _moment(text: str, tz: ZoneInfo) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        # A wall-clock time names no moment until a zone is given; stamp() always gives one.
        raise ValueError(f"{text} has no zone")
    # The list reads it in the desk's zone too; past the calendar's last day that overflows.
    moment.astimezone(tz)
    return moment.astimezone(UTC)


def _hour(figure: TicketFigure, query: Mapping[str, str], tz: ZoneInfo) -> HourOfWeek | None:
    if figure not in HOUR_FIGURES:
        return None
    return HourOfWeek(int(query.get("weekday", "")), int(query.get("hour", "")), tz)
