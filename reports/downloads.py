"""The console's CSV downloads: the weekly summary, and one row per ticket with every moment.

Neither ever reads the complaints tables: a download is the same for a manager and a
supervisor, apart from whose tickets it holds.
"""

from __future__ import annotations

import csv
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from desk.people import Team
from desk.tickets import EventKind
from reports.figures import USUAL_STANDARDS, Standards
from reports.metrics import managers_week
from reports.scope import Scope
from reports.table import render_table
from reports.weeks import IsoWeek
from storage.tables import events, ratings, retailers, tickets

TICKET_COLUMNS = (
    "ticket",
    "retailer",
    "retailer_name",
    "shop",
    "manager",
    "manager_name",
    "status",
    "off_hours",
    "opened_at",
    "acknowledged_at",
    "first_response_at",
    "first_response_s",
    "first_answered_by",
)
_AFTER_RUNGS = ("resolved_at", "rating", "rating_comment", "rated_at")
_BATCH = 2000


async def summary_csv(
    conn: AsyncConnection,
    team: Team,
    scope: Scope,
    week: IsoWeek,
    tz: ZoneInfo,
    *,
    standards: Standards = USUAL_STANDARDS,
    lang: str = "en",
) -> bytes:
    """Return the week's summary of the scope's managers as the chat's CSV, complaints left out."""
    ids = [m for m in team.managers if m in scope.manager_ids]
    ids += sorted(scope.manager_ids - set(ids))
    summary = await managers_week(conn, team, week, tz, ids, standards=standards)
    return render_table(summary, lang)


async def ticket_rows(
    conn: AsyncConnection,
    team: Team,
    scope: Scope,
    start: datetime,
    end: datetime,
    tz: ZoneInfo,
) -> AsyncIterator[list[str]]:
    """Yield the header, then one row per ticket opened in [start, end), in id (opening) order.

    Moments are local to tz, with their offset; each escalation rung is when it first fired.
    """
    managers = sorted(scope.manager_ids)
    picked = [
        tickets.c.manager_id.in_(managers),
        tickets.c.opened_at >= start,
        tickets.c.opened_at < end,
    ]
    rungs = await _rungs(conn, picked)
    yield [*TICKET_COLUMNS, *(f"escalated_step_{n}_at" for n in range(1, rungs + 1)), *_AFTER_RUNGS]
    # Batches after the last id seen, not a server-side cursor: those need a transaction on
    # asyncpg, and a batch holds no lock or snapshot open while a slow client reads.
    last = 0
    while True:
        batch = (await conn.execute(_statement([*picked, tickets.c.id > last], rungs))).all()
        for row in batch:
            yield _cells(team, row, rungs, tz)
        if len(batch) < _BATCH:
            return
        last = int(batch[-1].id)


async def write_ticket_csv(
    out: TextIO,
    conn: AsyncConnection,
    team: Team,
    scope: Scope,
    start: datetime,
    end: datetime,
    tz: ZoneInfo,
) -> int:
    """Write ticket_rows as CSV to a text stream; return how many tickets it held."""
    writer = csv.writer(out, lineterminator="\r\n")
    count = -1
    async for row in ticket_rows(conn, team, scope, start, end, tz):
        writer.writerow(row)
        count += 1
    return count


async def _rungs(conn: AsyncConnection, picked: list[ColumnElement[bool]]) -> int:
    """Return how many escalation steps the tickets reached, as the number of columns."""
    highest = await conn.scalar(
        select(func.max(events.c.step))
        .select_from(tickets.join(events, events.c.ticket_id == tickets.c.id))
        .where(*picked, events.c.kind == EventKind.ESCALATED.value)
    )
    return 0 if highest is None else int(highest) + 1


def _statement(picked: list[ColumnElement[bool]], rungs: int) -> Select[Any]:
    def of_ticket(kind: EventKind) -> list[ColumnElement[bool]]:
        return [events.c.ticket_id == tickets.c.id, events.c.kind == kind.value]

    first = [*of_ticket(EventKind.ANSWERED), events.c.round == 0]
    answered_by = (
        select(events.c.actor).where(*first).order_by(events.c.at).limit(1).scalar_subquery()
    )
    seconds = (
        select(events.c.seconds).where(*first).order_by(events.c.at).limit(1).scalar_subquery()
    )
    steps = [
        select(func.min(events.c.at))
        .where(*of_ticket(EventKind.ESCALATED), events.c.step == step)
        .scalar_subquery()
        .label(f"rung_{step}")
        for step in range(rungs)
    ]
    return (
        select(
            tickets.c.id,
            tickets.c.retailer_id,
            retailers.c.name,
            retailers.c.shop,
            tickets.c.manager_id,
            tickets.c.status,
            tickets.c.off_hours,
            tickets.c.opened_at,
            tickets.c.acknowledged_at,
            tickets.c.first_response_at,
            seconds.label("first_seconds"),
            answered_by.label("answered_by"),
            *steps,
            tickets.c.resolved_at,
            ratings.c.score,
            ratings.c.comment,
            ratings.c.rated_at,
        )
        .select_from(
            tickets.outerjoin(retailers, retailers.c.id == tickets.c.retailer_id).outerjoin(
                ratings, ratings.c.ticket_id == tickets.c.id
            )
        )
        .where(*picked)
        .order_by(tickets.c.id)
        .limit(_BATCH)
    )


def _cells(team: Team, row: Any, rungs: int, tz: ZoneInfo) -> list[str]:
    def moment(value: datetime | None) -> str:
        return "" if value is None else value.astimezone(tz).isoformat(timespec="seconds")

    def text(value: object) -> str:
        return "" if value is None else str(value)

    seconds = row.first_seconds
    return [
        str(row.id),
        row.retailer_id,
        text(row.name),
        text(row.shop),
        row.manager_id,
        team.name_of(row.manager_id),
        row.status,
        "1" if row.off_hours else "0",
        moment(row.opened_at),
        moment(row.acknowledged_at),
        moment(row.first_response_at),
        "" if seconds is None else f"{float(seconds):.3f}".rstrip("0").rstrip("."),
        text(row.answered_by),
        *(moment(row._mapping[f"rung_{step}"]) for step in range(rungs)),
        moment(row.resolved_at),
        text(row.score),
        text(row.comment),
        moment(row.rated_at),
    ]
