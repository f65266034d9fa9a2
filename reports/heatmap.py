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
from functools import cached_property
from itertools import pairwise
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Float, Integer, case, cast, func, literal, select
from sqlalchemy.ext.asyncio import AsyncConnection

from reports.scope import Scope
from storage.tables import tickets

HOURS_IN_WEEK = 7 * 24


@dataclass(frozen=True)
class HourOfWeek:
    """One local hour of the week in a zone, a heatmap cell's place: Monday is weekday 0."""

    weekday: int
    hour: int
    timezone: ZoneInfo

    def __post_init__(self) -> None:
        if not (0 <= self.weekday < 7 and 0 <= self.hour < 24):
            raise ValueError(f"no hour {self.hour} on weekday {self.weekday}")

    @property
    def number(self) -> int:
        """Return the cell's number, as local_cell reads it: weekday * 24 + hour."""
        return self.weekday * 24 + self.hour


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

    @cached_property
    def busiest(self) -> int:
        """Return the most questions any one cell holds, to scale the colours by."""
        return max((c.questions for c in self.cells), default=0)


async def question_heatmap(
    conn: AsyncConnection,
    scope: Scope,
    now: datetime,
    tz: ZoneInfo,
    *,
    weeks: int = 4,
    kept: KeptHeatmaps | None = None,
) -> Heatmap:
    """Return the questions opened in the weeks up to now's whole hour by local weekday and hour.

    The window ends at the top of the hour, so within an hour the map is the same and kept
    (when given kept) answers it without reading the tickets again.
    """
    end = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    start = end - timedelta(weeks=weeks)
    key = (tuple(sorted(scope.manager_ids)), tz.key, start, end)
    if kept is not None and (found := kept.get(key)) is not None:
        return found
    cell = local_cell(conn.dialect.name, tz, start, end).label("cell")
    picked = [
        tickets.c.manager_id.in_(sorted(scope.manager_ids)),
        tickets.c.opened_at >= start,
        tickets.c.opened_at < end,
    ]
    cells = await _cells(conn, cell, picked)
    heatmap = Heatmap(
        start=start,
        end=end,
        timezone=tz.key,
        cells=tuple(
            cells.get(number, HourCell(number // 24, number % 24, 0, 0, None))
            for number in range(HOURS_IN_WEEK)
        ),
    )
    if kept is not None:
        kept.keep(key, heatmap)
    return heatmap


class KeptHeatmaps:
    """Keep each viewer's map for the hour it stands for: a planning chart, read every refresh."""

    def __init__(self, size: int = 256) -> None:
        self._size = size
        self._kept: dict[tuple[object, ...], Heatmap] = {}

    def get(self, key: tuple[object, ...]) -> Heatmap | None:
        """Return the map kept under key, if any."""
        return self._kept.get(key)

    def keep(self, key: tuple[object, ...], heatmap: Heatmap) -> None:
        """Keep a map, forgetting the oldest beyond size (an hour later none is asked for)."""
        self._kept[key] = heatmap
        while len(self._kept) > self._size:
            del self._kept[next(iter(self._kept))]


async def _cells(
    conn: AsyncConnection, cell: ColumnElement[int], picked: list[ColumnElement[bool]]
) -> dict[int, HourCell]:
    """Count each cell's questions and answers and take its median, in one pass of the rows."""
    opened = select(cell, _seconds(conn.dialect.name).label("seconds")).where(*picked)
    o = opened.subquery("opened").c
    # Answered first, fastest first; the unanswered (NULL) after them, out of the ranks read.
    ranked = select(
        o.cell,
        o.seconds,
        func.row_number()
        .over(partition_by=o.cell, order_by=(o.seconds.is_(None), o.seconds))
        .label("rank"),
        func.count().over(partition_by=o.cell).label("questions"),
        func.count(o.seconds).over(partition_by=o.cell).label("answered"),
    ).subquery("ranked")
    r = ranked.c
    # The middle rank, and the one after it when the count is even; rank 1 for every cell.
    middle = [(r.answered + 1) // 2, r.answered // 2 + 1]
    rows = await conn.execute(
        select(r.cell, r.questions, r.answered, r.rank, r.seconds).where(
            (r.rank == 1) | r.rank.in_(middle)
        )
    )
    counts: dict[int, tuple[int, int]] = {}
    samples: dict[int, list[float]] = defaultdict(list)
    for number, questions, answered, rank, seconds in rows:
        counts[int(number)] = (int(questions), int(answered))
        if answered and rank in ((answered + 1) // 2, answered // 2 + 1):
            samples[int(number)].append(float(seconds))
    return {
        n: HourCell(
            weekday=n // 24,
            hour=n % 24,
            questions=questions,
            answered=answered,
            median_first_response=sum(samples[n]) / len(samples[n]) if answered else None,
        )
        for n, (questions, answered) in counts.items()
    }


def _seconds(dialect: str) -> ColumnElement[float]:
    if dialect == "postgresql":
        return cast(func.extract("epoch", tickets.c.first_response_at - tickets.c.opened_at), Float)
    days = func.julianday(tickets.c.first_response_at) - func.julianday(tickets.c.opened_at)
    # julianday keeps about a millisecond; round to it so equal waits compare equal.
    return func.round(days * 86400.0, 3)


def local_cell(dialect: str, tz: ZoneInfo, start: datetime, end: datetime) -> ColumnElement[int]:
    """Return in SQL the local weekday * 24 + hour of a ticket opened in [start, end)."""
    if dialect == "postgresql":
        local = func.timezone(tz.key, tickets.c.opened_at)
        weekday = cast(func.extract("isodow", local), Integer) - 1
        return weekday * 24 + cast(func.extract("hour", local), Integer)
    # Whole seconds since 1970-01-01 (a Thursday, weekday 3), moved to local time: one date
    # parse per row, and whole numbers, so an hour's first second never rounds into the last.
    seconds = cast(func.strftime("%s", tickets.c.opened_at), Integer) + _shift(tz, start, end)
    return (seconds // 3600 + 3 * 24) % HOURS_IN_WEEK


def _shift(tz: ZoneInfo, start: datetime, end: datetime) -> ColumnElement[int]:
    """Return in SQL the seconds that move a UTC stamp in [start, end) to local time."""
    pieces = _offsets(tz, start, end)
    stamp = tickets.c.opened_at
    if len(pieces) == 1:
        return literal(pieces[0][1])
    # Each piece's offset holds from its start until the next piece's.
    whens: list[tuple[ColumnElement[bool], int]] = [
        (stamp < following, offset) for (_, offset), (following, _) in pairwise(pieces)
    ]
    return case(*whens, else_=pieces[-1][1])


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
