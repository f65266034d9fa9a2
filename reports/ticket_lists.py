"""The tickets behind a number on the console, a page at a time.

Each TicketFigure picks tickets the way its number counts them: a week's figures take the tickets
opened in [start, end) (as the weekly summary does), ratings by when they were given,
supply requests by when they were opened, and a heatmap cell's tickets by the local hour they
were opened in (worked out by the heatmap's own SQL). Only the scope's managers' tickets ever
come back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, null, select
from sqlalchemy.ext.asyncio import AsyncConnection

from desk.people import Team
from desk.ratings import RatingPolicy
from desk.supply import SupplyOutcome
from desk.tickets import EventKind, TicketStatus
from reports.heatmap import HourOfWeek, local_cell
from reports.scope import Scope
from storage.tables import events, ratings, retailers, supply_requests, tickets


class TicketFigure(StrEnum):
    """Which number's tickets to list."""

    # Now, whatever the bounds: open tickets, and those whose clock is running.
    OPEN = "open"
    WAITING = "waiting"
    # Opened within the bounds.
    RECEIVED = "received"
    OFF_HOURS = "off_hours"
    UNANSWERED = "unanswered"
    ESCALATED = "escalated"
    ETA_BROKEN = "eta_broken"
    # Rated within the bounds, at or below the low score.
    LOW_RATING = "low_rating"
    # Supply requests opened within the bounds (optionally of one brand): however they ended,
    # or only those that ended so.
    REQUESTED = "requested"
    OUT_OF_STOCK = "out_of_stock"
    REFUSED = "refused"
    # A heatmap cell: opened within the bounds in one local hour of the week; and of those,
    # the answered ones, whose first responses its median is taken over.
    HOUR = "hour"
    HOUR_ANSWERED = "hour_answered"


# Supply requests are counted one by one; their lists show each ticket once, with how many of
# the counted requests it holds, so that a brand asked for twice on one ticket adds up.
COUNTS_REQUESTS = frozenset(
    {TicketFigure.REQUESTED, TicketFigure.OUT_OF_STOCK, TicketFigure.REFUSED}
)

# Ratings and supply requests are counted under the manager they name, who may since have
# handed the ticket to a colleague: their lists pick one manager by that name instead.
NAMED_BY_ROW = frozenset({TicketFigure.LOW_RATING, *COUNTS_REQUESTS})


class Order(StrEnum):
    """How a list is sorted."""

    # The clock running longest first, then the oldest question.
    LONGEST_WAIT = "longest_wait"
    NEWEST = "newest"


@dataclass(frozen=True)
class TicketFilter:
    """The tickets behind one number: a figure, maybe one manager or brand, and bounds."""

    figure: TicketFigure
    # [start, end) for the week's figures and ratings; ignored by OPEN and WAITING.
    start: datetime | None = None
    end: datetime | None = None
    # One manager of the scope; None for all of them.
    manager_id: str | None = None
    # For the supply figures: one brand, by desk.supply.brand_key.
    brand_key: str | None = None
    low: int = RatingPolicy().low
    # For HOUR and HOUR_ANSWERED: the cell, in the zone the heatmap was drawn in.
    hour: HourOfWeek | None = None


@dataclass(frozen=True)
class TicketLine:
    """One ticket in a list, with what its row shows and links to."""

    ticket_id: int
    retailer_id: str
    retailer_name: str
    shop: str
    manager_id: str
    manager_name: str
    status: str
    off_hours: bool
    opened_at: datetime
    # Set while the clock runs: since when the retailer has been waiting.
    waiting_since: datetime | None
    first_response_at: datetime | None
    resolved_at: datetime | None
    # The last escalation step fired (0 the first), -1 for none.
    last_step: int
    # For a supply figure: how many of the requests it counts are on this ticket.
    requests: int | None = None


@dataclass(frozen=True)
class TicketPage:
    """One page of a list; has_next says whether another follows."""

    lines: tuple[TicketLine, ...]
    page: int
    per_page: int
    has_next: bool


async def tickets_behind(
    conn: AsyncConnection,
    team: Team,
    scope: Scope,
    wanted: TicketFilter,
    *,
    order: Order = Order.LONGEST_WAIT,
    page: int = 1,
    per_page: int = 50,
) -> TicketPage:
    """Return one page of the tickets behind a number, of the scope's managers only."""
    if page < 1 or per_page < 1:
        raise ValueError("page and per_page start at 1")
    scoped = sorted(scope.manager_ids)
    managers = [m for m in scoped if wanted.manager_id in (None, m)]
    # Whatever the figure, the ticket itself is one of the scope's.
    holders = scoped if wanted.figure in NAMED_BY_ROW else managers
    statement = (
        _columns(wanted, managers)
        .where(
            tickets.c.manager_id.in_(holders),
            *_picked(wanted, managers, conn.dialect.name),
        )
        .order_by(*_ordering(order))
        .limit(per_page + 1)
        .offset((page - 1) * per_page)
    )
    rows = (await conn.execute(statement)).all()
    lines = tuple(_line(team, row) for row in rows[:per_page])
    return TicketPage(lines, page, per_page, has_next=len(rows) > per_page)


def _columns(wanted: TicketFilter, managers: list[str]) -> Select[Any]:
    """Select a list's lines; a supply figure's joined to its requests, counted per ticket."""
    source = tickets.outerjoin(retailers, retailers.c.id == tickets.c.retailer_id)
    if wanted.figure not in COUNTS_REQUESTS:
        return _line_columns(null().label("requests")).select_from(source)
    counted = _requested(wanted, managers, *_bounds(wanted)).subquery()
    joined = source.join(counted, counted.c.ticket_id == tickets.c.id)
    return _line_columns(counted.c.requests).select_from(joined)


def _line_columns(requests: ColumnElement[Any]) -> Select[Any]:
    return select(
        tickets.c.id,
        tickets.c.retailer_id,
        retailers.c.name,
        retailers.c.shop,
        tickets.c.manager_id,
        tickets.c.status,
        tickets.c.off_hours,
        tickets.c.opened_at,
        tickets.c.waiting_since,
        tickets.c.first_response_at,
        tickets.c.resolved_at,
        tickets.c.last_step,
        requests,
    )


def _picked(wanted: TicketFilter, managers: list[str], dialect: str) -> list[ColumnElement[bool]]:
    figure = wanted.figure
    is_open = tickets.c.status == TicketStatus.OPEN.value
    if figure is TicketFigure.OPEN:
        return [is_open]
    if figure is TicketFigure.WAITING:
        return [is_open, tickets.c.waiting_since.is_not(None)]
    start, end = _bounds(wanted)
    if figure is TicketFigure.LOW_RATING:
        rated = select(ratings.c.ticket_id).where(
            ratings.c.rated_at >= start,
            ratings.c.rated_at < end,
            ratings.c.score <= wanted.low,
            ratings.c.manager_id.in_(managers),
        )
        return [tickets.c.id.in_(rated)]
    if figure in COUNTS_REQUESTS:
        # Picked by the join to the requests (_columns).
        return []
    opened = [tickets.c.opened_at >= start, tickets.c.opened_at < end]
    if figure is TicketFigure.RECEIVED:
        return opened
    if figure is TicketFigure.HOUR:
        return [*opened, _in_hour(wanted, dialect, start, end)]
    if figure is TicketFigure.HOUR_ANSWERED:
        answered = tickets.c.first_response_at.is_not(None)
        return [*opened, _in_hour(wanted, dialect, start, end), answered]
    if figure is TicketFigure.OFF_HOURS:
        return [*opened, tickets.c.off_hours.is_(True)]
    if figure is TicketFigure.UNANSWERED:
        return [*opened, tickets.c.first_response_at.is_(None)]
    kind = EventKind.ESCALATED if figure is TicketFigure.ESCALATED else EventKind.ETA_BROKEN
    happened = exists().where(
        and_(events.c.ticket_id == tickets.c.id, events.c.kind == kind.value, events.c.at < end)
    )
    return [*opened, happened]


def _requested(
    wanted: TicketFilter, managers: list[str], start: datetime, end: datetime
) -> Select[Any]:
    """Return the tickets of the requests a supply figure counts, with how many each holds."""
    requested = select(supply_requests.c.ticket_id, func.count().label("requests")).where(
        supply_requests.c.opened_at >= start,
        supply_requests.c.opened_at < end,
        supply_requests.c.manager_id.in_(managers),
    )
    if wanted.figure is not TicketFigure.REQUESTED:
        requested = requested.where(
            supply_requests.c.outcome == SupplyOutcome(wanted.figure.value).value,
            # The outcome as it stood at the end.
            supply_requests.c.outcome_at < end,
        )
    if wanted.brand_key is not None:
        requested = requested.where(supply_requests.c.brand_key == wanted.brand_key)
    return requested.group_by(supply_requests.c.ticket_id)


def _in_hour(
    wanted: TicketFilter, dialect: str, start: datetime, end: datetime
) -> ColumnElement[bool]:
    """Return whether a ticket was opened in the wanted local hour of the week."""
    if wanted.hour is None:
        raise ValueError(f"{wanted.figure} lists need an hour of the week")
    # The heatmap's own local hour, cut over the same bounds, so the cell and its list agree.
    return local_cell(dialect, wanted.hour.timezone, start, end) == wanted.hour.number


def _bounds(wanted: TicketFilter) -> tuple[datetime, datetime]:
    if wanted.start is None or wanted.end is None:
        raise ValueError(f"{wanted.figure} lists need start and end")
    return wanted.start, wanted.end


def _ordering(order: Order) -> list[ColumnElement[Any]]:
    if order is Order.NEWEST:
        return [tickets.c.opened_at.desc(), tickets.c.id.desc()]
    # Tickets not waiting sort after every waiting one, oldest question first.
    return [
        tickets.c.waiting_since.is_(None),
        tickets.c.waiting_since,
        tickets.c.opened_at,
        tickets.c.id,
    ]


def _line(team: Team, row: Any) -> TicketLine:
    return TicketLine(
        ticket_id=int(row.id),
        retailer_id=row.retailer_id,
        retailer_name=row.name or row.retailer_id,
        shop=row.shop or "",
        manager_id=row.manager_id,
        manager_name=team.name_of(row.manager_id),
        status=row.status,
        off_hours=bool(row.off_hours),
        opened_at=row.opened_at,
        waiting_since=row.waiting_since,
        first_response_at=row.first_response_at,
        resolved_at=row.resolved_at,
        last_step=int(row.last_step),
        requests=None if row.requests is None else int(row.requests),
    )
