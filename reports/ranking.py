"""The week's answers ranked by one sort into a numbered table, per manager and per team.

SQLite has no percentile function. The week's answers are copied once into a narrow table
with a number for each manager and team, then sorted into a second table whose row number is
each answer's place: group after group (a manager's or a team's first answers, next replies,
answers in and out of hours), each group by latency. A group's size comes from a GROUP BY of
the narrow table and its first row from the sizes of the groups before it, so the rows a
median, p90 or maximum reads are found by row number and only they come back, to be
interpolated in Python. Ranking with window functions, which buffer every partition to learn
its size, cost about half as much again.

Each family of groups (a cut) is sorted by a statement of its own, on one integer that holds
the group number above the latency in microseconds: SQLite compares a lone integer on a fast
path, where (group, seconds) took the general record comparison, and a sort per cut needs no
join with the cuts. Together that sorted the 1M-message week in about two thirds of the time.
Latencies are stored from timedelta.total_seconds(), whole microseconds, so the key gives them
back exactly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    ColumnElement,
    Insert,
    Integer,
    MetaData,
    Select,
    String,
    Table,
    and_,
    cast,
    delete,
    func,
    insert,
    literal,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from reports.percentiles import wanted_rank_expressions

_WORK = MetaData()
# The managers read, with numbers for them and their teams: numbers sort faster than text.
people = Table(
    "report_people",
    _WORK,
    Column("manager_id", String(64), primary_key=True),
    Column("manager_no", Integer, nullable=False),
    Column("team_no", Integer, nullable=False),
    prefixes=["TEMPORARY"],
)
# One row per answer ranked: later is 0 for a first answer, 1 for a next reply.
answers = Table(
    "report_answers",
    _WORK,
    Column("manager_no", Integer, nullable=False),
    Column("team_no", Integer, nullable=False),
    Column("off", Integer, nullable=False),
    Column("later", Integer, nullable=False),
    Column("micros", BigInteger, nullable=False),
    Column("by_other", Integer, nullable=False),
    Column("met", Integer, nullable=False),
    prefixes=["TEMPORARY"],
)
# Every group's answers in order: SQLite numbers each inserted row one past the largest, so
# pos follows the ORDER BY. PostgreSQL draws a serial as the sorted rows arrive, which no rule
# promises, so there pos is written as a row_number() (see sort).
ranks = Table(
    "report_ranks",
    _WORK,
    Column("pos", Integer, primary_key=True, autoincrement=True),
    Column("key", BigInteger, nullable=False),
    prefixes=["TEMPORARY"],
)

# A sort key is group * _SPAN + _BIAS + microseconds: 42 bits hold latencies of +-25 days
# (a week's answers wait under 8), and a clock stepped back cannot push one into the group
# before. Groups below _GROUPS keep the key within a signed 64-bit integer.
_SPAN = 2**42
_BIAS = 2**41
_GROUPS = 2**21
_MICROS_PER_SECOND = 1_000_000


def micros(seconds: ColumnElement[Any]) -> ColumnElement[int]:
    """Return in SQL a stored latency in whole microseconds, as the sort keys hold it."""
    return cast(func.round(seconds * _MICROS_PER_SECOND), BigInteger)


def seconds_of(key: int) -> float:
    """Return the latency a sort key holds, exactly as total_seconds() stored it."""
    return (key % _SPAN - _BIAS) / _MICROS_PER_SECOND


@dataclass(frozen=True)
class Cut:
    """One family of groups: all answers per key and series, or first answers per key and hours.

    Its groups are numbered from base on: base + key_no * 2 + off for hours, otherwise
    base + later * len(keys) + key_no.
    """

    level: str
    hours: bool
    keys: Sequence[str]
    base: int

    @property
    def end(self) -> int:
        """Return the first group number after the cut's own."""
        return self.base + 2 * len(self.keys)

    def group(self, key_no: Any, off: Any, later: Any) -> ColumnElement[int]:
        """Return the SQL group number of a row with these numbers."""
        if self.hours:
            number: ColumnElement[int] = literal(self.base) + key_no * 2 + off
        else:
            number = literal(self.base) + later * len(self.keys) + key_no
        return number

    def read(self, group: int) -> tuple[str, tuple[Any, ...], bool]:
        """Return a group's part, its key and whether it holds first answers."""
        if self.hours:
            key_no, off = divmod(group - self.base, 2)
            return f"first/{self.level}_hours", (self.keys[key_no], bool(off)), True
        later, key_no = divmod(group - self.base, len(self.keys))
        return f"{'next' if later else 'first'}/{self.level}", (self.keys[key_no],), not later


@dataclass(frozen=True)
class Numbering:
    """The managers and teams read, in the order of their numbers."""

    managers: tuple[str, ...]
    teams: tuple[str, ...]

    def cuts(self, *, per_manager: bool) -> list[Cut]:
        """Return the cuts to rank, each numbered after the one before."""
        levels = [("manager", self.managers)] if per_manager else []
        levels.append(("team", self.teams))
        cuts: list[Cut] = []
        for level, keys in levels:
            for hours in (False, True):
                cuts.append(Cut(level, hours, keys, cuts[-1].end if cuts else 0))
        if cuts[-1].end > _GROUPS:
            # About 500,000 managers; past that SQLite would turn the keys into floats.
            raise ValueError(f"{len(self.managers)} managers are too many to rank in one sort")
        return cuts


async def start(conn: AsyncConnection, teams: Mapping[str, str]) -> Numbering:
    """Create the working tables, empty, and number the managers (manager_id to team)."""
    # Whether DDL commits or rolls back with the transaction differs between drivers, so
    # tables left on a pooled connection are taken over and emptied first.
    await conn.run_sync(_WORK.create_all, checkfirst=True)
    for table in (people, answers, ranks):
        await conn.execute(delete(table))
    numbering = Numbering(tuple(sorted(teams)), tuple(sorted(set(teams.values()))))
    team_no = {team: no for no, team in enumerate(numbering.teams)}
    rows = [
        {"manager_id": manager, "manager_no": no, "team_no": team_no[teams[manager]]}
        for no, manager in enumerate(numbering.managers)
    ]
    if rows:
        await conn.execute(insert(people), rows)
    return numbering


async def finish(conn: AsyncConnection) -> None:
    """Drop the working tables; after an error they go with the rollback instead."""

    def drop(sync: Connection) -> None:
        _WORK.drop_all(sync)

    await conn.run_sync(drop)


def sort(cuts: Sequence[Cut], *, numbered: bool = False) -> list[Insert]:
    """Return the statements that write every group's answers into ranks, cut after cut.

    With numbered, each row's place is written as its row_number() in that order, after the
    places already taken, rather than left to the table's own numbering.
    """
    a = answers.c
    statements = []
    for cut in cuts:
        group = cut.group(_key_no(cut, a), a.off, a.later)
        # Constants of our own, written inline: PostgreSQL would type a bound 2**42 as int4.
        key = group * literal_column(str(_SPAN)) + literal_column(str(_BIAS)) + a.micros
        rows = select(key.label("key"))
        if cut.hours:
            rows = rows.where(a.later == 0)
        if numbered:
            taken = select(func.coalesce(func.max(ranks.c.pos), 0)).scalar_subquery()
            place = taken + func.row_number().over(order_by=key)
            placed = rows.add_columns(place.label("pos"))
            statements.append(insert(ranks).from_select(["key", "pos"], placed))
        else:
            statements.append(insert(ranks).from_select(["key"], rows.order_by(key)))
    return statements


def picked(cuts: Sequence[Cut]) -> Select[Any]:
    """Return the rows the figures read: each group's first answer, medians, p90s and maxima.

    Columns: grp, size, rank, key (seconds_of reads it), and the group's by_other and met (all
    answers).
    """
    a = answers.c
    # Sizes per manager, series and hours: a few thousand rows, grouped again per cut below.
    # One number to group by sorts faster than four columns; each group's values are one.
    part = a.manager_no * 4 + a.later * 2 + a.off
    parts = (
        select(
            *(func.min(a[name]).label(name) for name in ("manager_no", "team_no", "later", "off")),
            func.count().label("size"),
            func.sum(a.by_other).label("by_other"),
            func.sum(a.met).label("met"),
        )
        .group_by(part)
        .cte("parts")
    )
    p = parts.c
    per_cut = []
    for cut in cuts:
        number = cut.group(_key_no(cut, p), p.off, p.later)
        # PostgreSQL sums counts as numeric, whose / would not floor.
        each = select(
            number.label("grp"),
            cast(func.sum(p.size), Integer).label("size"),
            func.sum(p.by_other).label("by_other"),
            func.sum(p.met).label("met"),
        )
        if cut.hours:
            each = each.where(p.later == 0)
        per_cut.append(each.group_by(number))
    groups = union_all(*per_cut).subquery("groups")
    g = groups.c
    first = select(func.min(ranks.c.pos)).scalar_subquery()
    before = cast(func.sum(g.size).over(order_by=g.grp, rows=(None, 0)), Integer) - g.size
    placed = select(*g, (before + first).label("start")).subquery("placed")
    s = placed.c
    rank = ranks.c.pos - s.start + 1
    wanted = [literal(1), *wanted_rank_expressions(s.size)]
    found = and_(ranks.c.pos.in_([s.start + r - 1 for r in wanted]), ranks.c.pos < s.start + s.size)
    return select(s.grp, s.size, rank.label("rank"), ranks.c.key, s.by_other, s.met).select_from(
        placed.join(ranks, found)
    )


def _key_no(cut: Cut, columns: Any) -> Any:
    return columns.manager_no if cut.level == "manager" else columns.team_no


def cut_of(cuts: Sequence[Cut], group: int) -> Cut:
    """Return the cut a group number belongs to."""
    for cut in cuts:
        if group < cut.end:
            return cut
    raise ValueError(group)
