"""What one group commit reads once for all its updates, and the ids it hands out itself.

A burst of questions from many retailers asks the same few things of every update: who owns
this chat, does the retailer have an open ticket, who is on leave. Read for the whole batch at
once, each update costs no statement of its own; a new ticket's number is handed out here, so
that its row can wait to be inserted with the rest of the batch.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from desk.people import Address, Leave, Retailer
from desk.tickets import Ticket, TicketStatus
from storage import codec, people
from storage.tables import leaves, staff_langs, tickets


@dataclass
class Batch:
    """Reads shared by the units of one group commit; forgotten when a unit rolls back."""

    # Who owns a chat (None: nobody), and each known retailer's open ticket (None: none).
    chats: dict[Address, Retailer | None] = field(default_factory=dict)
    open_tickets: dict[str, Ticket | None] = field(default_factory=dict)
    # A ticket's state as last read or written, so an unchanged ticket is not written again.
    states: dict[int, dict[str, Any]] = field(default_factory=dict)
    # Updates read as new inside this transaction: nobody else can settle them meanwhile.
    fresh: set[tuple[str, int]] = field(default_factory=set)
    _leaves: list[Leave] | None = None
    _next_ticket_id: int | None = None
    _staff_langs: dict[str, str] | None = None

    async def read_ahead(self, conn: AsyncConnection, chats: Iterable[Address | None]) -> None:
        """Read the retailers behind these chats and their open tickets: two statements."""
        wanted = {chat for chat in chats if chat is not None and chat not in self.chats}
        if not wanted:
            return
        found = await people.at_chats(conn, list(wanted))
        self.chats |= dict.fromkeys(wanted)
        self.chats |= {c: r for r in found for c in r.contacts if c in wanted}
        await self._read_open_tickets(conn, [r.id for r in found])

    async def _read_open_tickets(
        self, conn: AsyncConnection, retailer_ids: Collection[str]
    ) -> None:
        if not retailer_ids:
            return
        query = (
            select(tickets)
            .where(tickets.c.retailer_id.in_(retailer_ids))
            .where(tickets.c.status == TicketStatus.OPEN.value)
            .order_by(tickets.c.id)
        )
        self.open_tickets |= dict.fromkeys(retailer_ids)
        for row in (await conn.execute(query)).all():
            # In id order, so the newest open ticket is the one kept, as the ledger reads it.
            self.saw(codec.ticket_from_row(row))

    def saw(self, ticket: Ticket) -> None:
        """Remember a ticket as the database holds it (or will, at commit)."""
        self.states[ticket.id] = codec.ticket_state(ticket)
        current = self.open_tickets.get(ticket.retailer_id)
        if ticket.is_open:
            self.open_tickets[ticket.retailer_id] = ticket
        elif current is not None and current.id == ticket.id:
            self.open_tickets[ticket.retailer_id] = None

    async def leave_of(self, conn: AsyncConnection, manager_id: str, at: datetime) -> Leave | None:
        """Return the manager's leave in force at a moment; the table is read once."""
        if self._leaves is None:
            rows = (await conn.execute(select(leaves))).all()
            self._leaves = [Leave(r.manager_id, r.covering_id, r.until, r.started_at) for r in rows]
        return next((v for v in self._leaves if v.manager_id == manager_id and v.until > at), None)

    async def staff_langs(self, conn: AsyncConnection) -> dict[str, str]:
        """Return the languages staff picked, by staff id; the table is read once."""
        if self._staff_langs is None:
            rows = await conn.execute(select(staff_langs.c.staff_id, staff_langs.c.lang))
            self._staff_langs = dict(rows.all())
        return self._staff_langs

    async def next_ticket_id(self, conn: AsyncConnection) -> int:
        """Hand out the next ticket number; the group holds SQLite's only write lock."""
        if self._next_ticket_id is None:
            highest = await conn.scalar(select(func.max(tickets.c.id)))
            self._next_ticket_id = (highest or 0) + 1
        ticket_id = self._next_ticket_id
        self._next_ticket_id += 1
        return ticket_id

    def forget(self) -> None:
        """Drop everything read, after a unit rolled back or wrote what the reads cover."""
        self.chats.clear()
        self.open_tickets.clear()
        self.states.clear()
        self._leaves = None
        self._staff_langs = None
