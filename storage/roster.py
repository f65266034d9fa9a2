"""Bring the stored retailers in line with the roster without losing anything stored."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from desk.people import Retailer
from desk.sla import with_due
from desk.tickets import EventKind, TicketStatus
from storage import codec, tables
from storage.dialects import upsert
from storage.store import SqlStore

COMPARED = ("name", "shop", "phone", "manager_id", "telegram_id")
# Rows written per statement, so a large roster's import can show its progress.
_CHUNK = 5000


@dataclass(frozen=True)
class Relink:
    """A retailer whose linked chat the roster replaced with the telegram_id it gives them."""

    retailer_id: str
    was: int
    now: int


@dataclass(frozen=True)
class RosterImport:
    """What an import did to the stored retailers."""

    added: int
    updated: int
    unchanged: int
    relinked: tuple[Relink, ...] = ()


@dataclass(frozen=True)
class Clash:
    """A roster entry that would take what a stored retailer holds."""

    retailer_id: str
    column: str
    message: str


class RosterConflictError(Exception):
    """The roster clashes with stored retailers; the import wrote nothing."""

    def __init__(self, clashes: Sequence[Clash]) -> None:
        self.clashes = tuple(clashes)
        super().__init__("; ".join(f"{c.retailer_id}: {c.column}: {c.message}" for c in clashes))


async def import_retailers(
    store: SqlStore,
    retailers: Sequence[Retailer],
    at: datetime,
    progress: Callable[[int, int], None] | None = None,
) -> RosterImport:
    """Upsert the roster by id in one transaction; keep chat links and absent retailers."""
    for what, values in (
        ("retailer id", [r.id for r in retailers]),
        ("phone", [r.phone for r in retailers]),
        ("telegram_id", [r.telegram_id for r in retailers if r.telegram_id is not None]),
    ):
        twice = [v for v, n in Counter(values).items() if n > 1]
        if twice:
            raise ValueError(f"the roster repeats {what} {twice[0]!r}")
    async with store.transaction() as ledger:
        return await _import(ledger.conn, retailers, at, progress)


async def unconverted_phones(store: SqlStore) -> list[tuple[str, str]]:
    """Return (retailer id, phone) for each stored phone that is not E.164, by retailer id."""
    # The upgrade to E.164 keeps a phone it cannot read exactly as it was, to be corrected.
    query = (
        select(tables.retailers.c.id, tables.retailers.c.phone)
        .where(~tables.retailers.c.phone.startswith("+"))
        .order_by(tables.retailers.c.id)
    )
    async with store.reading() as conn:
        return [(row.id, row.phone) for row in (await conn.execute(query)).all()]


async def _import(
    conn: AsyncConnection,
    roster: Sequence[Retailer],
    at: datetime,
    progress: Callable[[int, int], None] | None,
) -> RosterImport:
    query = select(tables.retailers)
    if conn.dialect.name == "postgresql":
        # Hold the rows so a retailer linking their chat meanwhile cannot be overwritten.
        query = query.with_for_update()
    stored = {row.id: row for row in (await conn.execute(query)).all()}
    clashes = [*_phone_clashes(roster, stored), *_chat_clashes(roster, stored)]
    if clashes:
        raise RosterConflictError(clashes)
    claimed = {r.telegram_id: r.id for r in roster if r.telegram_id is not None}
    # Chats the roster moves to another retailer; each holder gets a chat of its own from it.
    taken = [
        rid
        for rid, row in stored.items()
        if row.telegram_id is not None and claimed.get(row.telegram_id, rid) != rid
    ]
    if taken:
        # Clear first so that links moving between rows never meet the unique constraint.
        await conn.execute(
            update(tables.retailers)
            .where(tables.retailers.c.id.in_(taken))
            .values(telegram_id=None, updated_at=at)
        )
    wanted = {r.id: _row(r, stored.get(r.id), at) for r in roster}
    added = [row for rid, row in wanted.items() if rid not in stored]
    changed = [
        {k: v for k, v in row.items() if k != "lang"}
        for rid, row in wanted.items()
        if rid in stored and any(row[c] != getattr(stored[rid], c) for c in COMPARED)
    ]
    written, total = 0, len(added) + len(changed)
    # Added and changed rows carry different columns, so each list is written on its own.
    for rows in (added, changed):
        for start in range(0, len(rows), _CHUNK):
            chunk = rows[start : start + _CHUNK]
            await upsert(conn, tables.retailers, chunk, ["id"])
            written += len(chunk)
            if progress is not None:
                progress(written, total)
    moved = {
        row["id"]: row["manager_id"]
        for row in changed
        if row["manager_id"] != stored[row["id"]].manager_id
    }
    await _hand_over(conn, moved, at)
    unchanged = len(wanted) - len(added) - len(changed)
    relinked = tuple(
        Relink(r.id, stored[r.id].telegram_id, r.telegram_id)
        for r in roster
        if r.telegram_id is not None
        and r.id in stored
        and stored[r.id].telegram_id not in (None, r.telegram_id)
    )
    return RosterImport(len(added), len(changed), unchanged, relinked)


async def _hand_over(conn: AsyncConnection, moved: Mapping[str, str], at: datetime) -> None:
    """Give the open tickets of retailers the roster moved to their new manager."""
    if not moved:
        return
    query = select(tables.tickets).where(
        tables.tickets.c.retailer_id.in_(moved),
        tables.tickets.c.status == TicketStatus.OPEN.value,
    )
    for row in (await conn.execute(query)).all():
        ticket = codec.ticket_from_row(row)
        new = moved[ticket.retailer_id]
        # The old manager may no longer answer, so the ladder starts again for the new one: an
        # overdue question reaches them at the next sweep.
        handed = with_due(
            ticket.evolve(manager_id=new, home_manager_id=new, last_step=-1, last_fired_at=None)
        )
        await conn.execute(
            update(tables.tickets)
            .where(tables.tickets.c.id == ticket.id)
            .values({**codec.ticket_state(handed), "manager_id": new, "home_manager_id": new})
        )
        await conn.execute(
            insert(tables.events).values(
                ticket_id=ticket.id,
                kind=EventKind.HANDOVER.value,
                at=at,
                actor=ticket.manager_id,
                target=new,
                detail=json.dumps({"reason": "roster"}),
            )
        )


def _phone_clashes(roster: Sequence[Retailer], stored: Mapping[str, Row[Any]]) -> Iterator[Clash]:
    """Yield each phone the roster gives that a stored retailer it does not list already has."""
    # The roster replaces the phones of the retailers it lists, so only the others can clash.
    listed = {r.id for r in roster}
    holders = {row.phone: row for rid, row in stored.items() if rid not in listed}
    for retailer in roster:
        holder = holders.get(retailer.phone)
        if holder is not None:
            yield Clash(
                retailer.id,
                "phone",
                f"{retailer.phone} is already the phone of {holder.id} ({holder.name}, "
                f"{holder.shop}); a shared contact must find one retailer, so give "
                f"{retailer.id} their own phone or list {holder.id} with a new one",
            )


def _chat_clashes(roster: Sequence[Retailer], stored: Mapping[str, Row[Any]]) -> Iterator[Clash]:
    """Yield each telegram_id the roster gives that is another retailer's linked chat."""
    given = {r.id: r.telegram_id for r in roster}
    holders = {row.telegram_id: row for row in stored.values() if row.telegram_id is not None}
    for retailer in roster:
        holder = holders.get(retailer.telegram_id)
        # A holder the roster gives another chat moves to it; one it leaves without a chat
        # would lose a link that may have been proven by sharing their contact.
        if holder is None or holder.id == retailer.id or given.get(holder.id) is not None:
            continue
        yield Clash(
            retailer.id,
            "telegram_id",
            f"{retailer.telegram_id} is already the chat of {holder.id} ({holder.name}), linked "
            f"by sharing their contact or by an earlier import; leave it empty so "
            f"{retailer.id} can link that chat by sharing their own contact, or give "
            f"{holder.id} their new telegram_id in this file",
        )


def _row(retailer: Retailer, stored: Row[Any] | None, at: datetime) -> dict[str, Any]:
    """Return the row a roster entry should leave behind."""
    link = retailer.telegram_id
    if link is None and stored is not None:
        # The roster does not know the chat the retailer linked by sharing their contact.
        link = stored.telegram_id
    return {
        "id": retailer.id,
        "name": retailer.name,
        "shop": retailer.shop,
        "phone": retailer.phone,
        "manager_id": retailer.manager_id,
        "telegram_id": link,
        # Only new rows take a language; a stored one may have been chosen in the chat.
        "lang": retailer.lang,
        "updated_at": at,
    }
