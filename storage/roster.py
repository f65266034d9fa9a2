"""Bring the stored retailers in line with the roster without losing anything stored."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from desk.people import Address, Retailer
from desk.sla import with_due
from desk.tickets import EventKind, TicketStatus
from storage import codec, tables
from storage.dialects import upsert
from storage.store import SqlStore

COMPARED = ("name", "shop", "phone", "manager_id")
# Rows written per statement, so a large roster's import can show its progress.
_CHUNK = 5000


@dataclass(frozen=True)
class Relink:
    """A retailer whose linked chat the roster replaced with the one it gives them."""

    retailer_id: str
    was: str
    now: str


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
        ("chat", [c for r in retailers for c in r.contacts]),
    ):
        twice = [v for v, n in Counter(values).items() if n > 1]
        if twice:
            again = twice[0]
            if isinstance(again, Address):
                what, again = chat_column(again.channel), again.chat
            raise ValueError(f"the roster repeats {what} {again!r}")
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
    held = {
        Address(row.channel, row.chat): row.retailer_id
        for row in (await conn.execute(select(tables.contacts))).all()
    }
    clashes = [*_phone_clashes(roster, stored), *_chat_clashes(roster, stored, held)]
    if clashes:
        raise RosterConflictError(clashes)
    relinked = await _relink(conn, roster, held, at)
    wanted = {r.id: _row(r, at) for r in roster}
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
    await _link(conn, roster, held, at)
    moved = {
        row["id"]: row["manager_id"]
        for row in changed
        if row["manager_id"] != stored[row["id"]].manager_id
    }
    await _hand_over(conn, moved, at)
    # A retailer counts as updated when a column or a chat the roster gives changed.
    updated = {row["id"] for row in changed} | {
        r.id for r in roster if r.id in stored and _new_chats(r, held)
    }
    unchanged = len(wanted) - len(added) - len(updated)
    return RosterImport(len(added), len(updated), unchanged, relinked)


def _new_chats(retailer: Retailer, held: Mapping[Address, str]) -> list[Address]:
    """Return the chats the roster gives a retailer that are not theirs yet."""
    return [c for c in retailer.contacts if held.get(c) != retailer.id]


async def _relink(
    conn: AsyncConnection, roster: Sequence[Retailer], held: Mapping[Address, str], at: datetime
) -> tuple[Relink, ...]:
    """Drop the links the roster replaces; return the retailers whose chat it changed."""
    mine = {(rid, a.channel): a for a, rid in held.items()}
    dropped: list[Address] = []
    relinked: list[Relink] = []
    for retailer in roster:
        for chat in _new_chats(retailer, held):
            # The chat's old holder loses it, and the retailer's old chat on that channel goes.
            if chat in held:
                dropped.append(chat)
            old = mine.get((retailer.id, chat.channel))
            if old is not None:
                dropped.append(old)
                relinked.append(Relink(retailer.id, old.chat, chat.chat))
    for chat in dict.fromkeys(dropped):
        await conn.execute(
            delete(tables.contacts).where(
                tables.contacts.c.channel == chat.channel, tables.contacts.c.chat == chat.chat
            )
        )
    return tuple(relinked)


async def _link(
    conn: AsyncConnection, roster: Sequence[Retailer], held: Mapping[Address, str], at: datetime
) -> None:
    """Link each chat the roster gives that is not its retailer's yet."""
    rows = [
        {"channel": c.channel, "chat": c.chat, "retailer_id": r.id, "linked_at": at}
        for r in roster
        for c in _new_chats(r, held)
    ]
    if rows:
        await conn.execute(insert(tables.contacts), rows)


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


def _chat_clashes(
    roster: Sequence[Retailer], stored: Mapping[str, Row[Any]], held: Mapping[Address, str]
) -> Iterator[Clash]:
    """Yield each chat the roster gives that is another retailer's linked chat."""
    given = {(r.id, c.channel) for r in roster for c in r.contacts}
    for retailer in roster:
        for chat in retailer.contacts:
            holder = held.get(chat)
            # A holder the roster gives another chat moves to it; one it leaves without a chat
            # would lose a link that may have been proven by sharing their contact.
            if holder is None or holder == retailer.id or (holder, chat.channel) in given:
                continue
            row = stored[holder]
            column = chat_column(chat.channel)
            yield Clash(
                retailer.id,
                column,
                f"{chat.chat} is already the chat of {holder} ({row.name}), linked "
                f"by sharing their contact or by an earlier import; leave it empty so "
                f"{retailer.id} can link that chat by sharing their own contact, or give "
                f"{holder} their new {column} in this file",
            )


def chat_column(channel: str) -> str:
    """Return the roster column that gives a retailer's chat on a channel."""
    return f"{channel}_id"


def _row(retailer: Retailer, at: datetime) -> dict[str, Any]:
    """Return the row a roster entry should leave behind."""
    return {
        "id": retailer.id,
        "name": retailer.name,
        "shop": retailer.shop,
        "phone": retailer.phone,
        "manager_id": retailer.manager_id,
        # Only new rows take a language; a stored one may have been chosen in the chat.
        "lang": retailer.lang,
        "updated_at": at,
    }
