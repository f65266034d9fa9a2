"""When questions come: questions opened and the median first response, by weekday and hour.

Cells are local hours in the desk's timezone. The hour is worked out in SQL: PostgreSQL
converts with the zone's own rules; SQLite has no zones, so the window is cut where the zone's
offset changes and each piece is shifted by its own offset. Medians are read in SQL from each
cell's middle ranks, so only a few hundred rows come back whatever the traffic.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Float, Integer, case, cast, func, literal, select
from sqlalchemy.ext.asyncio import AsyncConnection

from reports.scope import Scope
from storage.tables import tickets

HOURS_IN_WEEK = 7 * 24


@dataclass(frozen=True)
class HourCell:
    """One local hour of the week: Monday is weekday 0."""

    weekday: int
    hour: int
    questions: int
    # Of the questions answered: their first response's median, in seconds.
    answered: int
    median_first_response: float | None


@dataclass(frozen=True)
class Heatmap:
    """Every hour of the week (168 cells, Monday 00:00 first) over a window."""

    start: datetime
    end: datetime
    timezone: str
    cells: tuple[HourCell, ...]

    def cell(self, weekday: int, hour: int) -> HourCell:
        """Return the cell of a local weekday and hour."""
        return self.cells[weekday * 24 + hour]

    @property
    def busiest(self) -> int:
        """Return the most questions any one cell holds, to scale the colours by."""
        return max((c.questions for c in self.cells), default=0)


async def question_heatmap(
    conn: AsyncConnection, scope: Scope, now: datetime, tz: ZoneInfo, *, weeks: int = 4
) -> Heatmap:
    """Return the questions opened in the weeks before now by local weekday and hour."""
    start, end = now - timedelta(weeks=weeks), now
    cell = _local_cell(conn.dialect.name, tz, start, end).label("cell")
    picked = [
        tickets.c.manager_id.in_(sorted(scope.manager_ids)),
        tickets.c.opened_at >= start,
        tickets.c.opened_at < end,
    ]
    counted = await conn.execute(select(cell, func.count()).where(*picked).group_by(cell))
    questions = {int(c): int(n) for c, n in counted}
    medians = await _medians(conn, cell, picked)
    return Heatmap(
        start=start,
        end=end,
        timezone=tz.key,
        cells=tuple(
            HourCell(
                weekday=number // 24,
                hour=number % 24,
                questions=questions.get(number, 0),
                answered=medians[number][0] if number in medians else 0,
                median_first_response=medians[number][1] if number in medians else None,
            )
            for number in range(HOURS_IN_WEEK)
        ),
    )


async def _medians(
    conn: AsyncConnection, cell: ColumnElement[int], picked: list[ColumnElement[bool]]
) -> dict[int, tuple[int, float]]:
    answered = (
        select(cell, _seconds(conn.dialect.name).label("seconds"))
        .where(*picked, tickets.c.first_response_at.is_not(None))
        .subquery("answered")
    )
    a = answered.c
    ranked = select(
        a.cell,
        a.seconds,
        func.row_number().over(partition_by=a.cell, order_by=a.seconds).label("rank"),
        func.count().over(partition_by=a.cell).label("size"),
    ).subquery("ranked")
    r = ranked.c
    # The middle rank, and the one after it when the size is even.
    middle = [(r.size + 1) // 2, r.size // 2 + 1]
    rows = await conn.execute(select(r.cell, r.size, r.seconds).where(r.rank.in_(middle)))
    samples: dict[int, list[float]] = defaultdict(list)
    sizes: dict[int, int] = {}
    for number, size, seconds in rows:
        samples[int(number)].append(float(seconds))
        sizes[int(number)] = int(size)
    return {n: (sizes[n], sum(s) / len(s)) for n, s in samples.items()}


def _seconds(dialect: str) -> ColumnElement[float]:
    if dialect == "postgresql":
        return cast(func.extract("epoch", tickets.c.first_response_at - tickets.c.opened_at), Float)
    days = func.julianday(tickets.c.first_response_at) - func.julianday(tickets.c.opened_at)
    # julianday keeps about a millisecond; round to it so equal waits compare equal.
    return func.round(days * 86400.0, 3)


def _local_cell(dialect: str, tz: ZoneInfo, start: datetime, end: datetime) -> ColumnElement[int]:
    """Return in SQL a ticket's local weekday * 24 + hour."""
    if dialect == "postgresql":
        local = func.timezone(tz.key, tickets.c.opened_at)
        weekday = cast(func.extract("isodow", local), Integer) - 1
        return weekday * 24 + cast(func.extract("hour", local), Integer)
    shift = _shift(tz, start, end)
    weekday = (cast(func.strftime("%w", tickets.c.opened_at, shift), Integer) + 6) % 7
    return weekday * 24 + cast(func.strftime("%H", tickets.c.opened_at, shift), Integer)


def _shift(tz: ZoneInfo, start: datetime, end: datetime) -> ColumnElement[str]:
    """Return the SQLite modifier that moves a UTC stamp in [start, end) to local time."""
    pieces = _offsets(tz, start, end)
    stamp = tickets.c.opened_at
    if len(pieces) == 1:
        return literal(_modifier(pieces[0][1]))
    # Each piece's offset holds from its start until the next piece's.
    whens: list[tuple[ColumnElement[bool], str]] = [
        (stamp < following, _modifier(offset)) for (_, offset), (following, _) in pairwise(pieces)
    ]
    return case(*whens, else_=_modifier(pieces[-1][1]))


def _offsets(tz: ZoneInfo, start: datetime, end: datetime) -> list[tuple[datetime, int]]:
    """Return where the zone's offset changes in [start, end), with each offset in seconds."""
    moment = start.astimezone(UTC)
    pieces = [(moment, _offset(tz, moment))]
    # Zones keep an offset for months; an hourly walk finds each change, bisected to the second.
    while moment < end:
        later = min(moment + timedelta(hours=1), end)
        if _offset(tz, later) != pieces[-1][1]:
            low, high = moment, later
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if _offset(tz, middle) == pieces[-1][1]:
                    low = middle
                else:
                    high = middle
            pieces.append((high, _offset(tz, high)))
        moment = later
    return pieces


def _offset(tz: ZoneInfo, moment: datetime) -> int:
    shifted = moment.astimezone(tz).utcoffset()
    return int(shifted.total_seconds()) if shifted is not None else 0


def _modifier(offset: int) -> str:
    return f"{offset:+d} seconds"
