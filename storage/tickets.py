"""Tickets over SQL: tickets, their messages and events, leaves, and what falls due next."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, bindparam, delete, func, insert, select, update

from desk.people import Address, Leave
from desk.tickets import Event, EventKind, Ticket, TicketMessage, TicketStatus
from storage import codec
from storage.tables import complaints, events, leaves, messages, ratings, tickets
from storage.unit import UnitPart

log = logging.getLogger(__name__)

# Hot statements are built once: building and hashing a statement costs more than running it.
_OPEN_TICKET = (
    select(tickets)
    .where(tickets.c.retailer_id == bindparam("b_retailer"))
    .where(tickets.c.status == TicketStatus.OPEN.value)
    .order_by(tickets.c.id.desc())
)
_TICKET = select(tickets).where(tickets.c.id == bindparam("b_id"))
# PostgreSQL needs the row lock between workers; SQLite has one writer already.
_OPEN_TICKET_LOCKED = _OPEN_TICKET.with_for_update()
_TICKET_LOCKED = _TICKET.with_for_update()
_CREATE_TICKET = insert(tickets).returning(tickets.c.id)
_SAVE_TICKET = update(tickets).where(tickets.c.id == bindparam("b_id"))
# Every sweep asks this, so the three earliest times come back in one statement.
_WAKEUP = select(
    select(func.min(tickets.c.next_due_at)).scalar_subquery(),
    select(func.min(complaints.c.next_due_at)).scalar_subquery(),
    select(func.min(ratings.c.due_at)).where(ratings.c.asked_at.is_(None)).scalar_subquery(),
)


class SqlTickets(UnitPart):
    """Read and write tickets, their conversations, events and leaves on the unit's connection."""

    async def open_ticket_of(self, retailer_id: str) -> Ticket | None:
        """Return the retailer's open ticket, locked for update."""
        known = self._batch.open_tickets
        if retailer_id in known:
            return known[retailer_id]
        await self._flush_tickets()
        query = _OPEN_TICKET_LOCKED if self._locking else _OPEN_TICKET
        row = (await self.conn.execute(query, {"b_retailer": retailer_id})).first()
        known[retailer_id] = None
        return self._saw(codec.ticket_from_row(row)) if row else None

    async def ticket(self, ticket_id: int) -> Ticket | None:
        """Return a ticket, locked for update."""
        await self._flush_tickets()
        query = _TICKET_LOCKED if self._locking else _TICKET
        row = (await self.conn.execute(query, {"b_id": ticket_id})).first()
        return self._saw(codec.ticket_from_row(row)) if row else None

    def _saw(self, ticket: Ticket) -> Ticket:
        self._batch.saw(ticket)
        return ticket

    async def create_ticket(self, draft: Ticket) -> Ticket:
        """Insert a new ticket and return it with its number."""
        values = {
            "retailer_id": draft.retailer_id,
            "manager_id": draft.manager_id,
            "home_manager_id": draft.home_manager_id,
            "opened_at": draft.opened_at,
            "policy": codec.policy_text(draft.policy),
            "off_hours": draft.off_hours,
            **codec.ticket_state(draft),
        }
        if self._numbered:
            ticket_id: int | None = await self._batch.next_ticket_id(self.conn)
            self.appends.add(tickets, {"id": ticket_id, **values})
        else:
            ticket_id = await self.conn.scalar(_CREATE_TICKET, values)
        assert ticket_id is not None
        return self._saw(draft.evolve(id=ticket_id))

    async def save_ticket(self, ticket: Ticket) -> None:
        """Write a ticket's changed state."""
        state = codec.ticket_state(ticket)
        queued = self.appends.own_ticket(ticket.id)
        if queued is not None:
            # Created in this unit and not inserted yet: the insert carries the new state.
            queued.update(state)
        elif self._batch.states.get(ticket.id) != state:
            # A ticket queued by an earlier unit is inserted first, by the unit's connection.
            await self.conn.execute(_SAVE_TICKET, {"b_id": ticket.id, **state})
        self._saw(ticket)
        self._note_due(ticket.next_due_at)

    async def assign(self, ticket: Ticket, manager_id: str) -> Ticket:
        """Give a ticket to another manager and return it so; its home manager stays."""
        # A ticket still queued for insertion is inserted first, so the UPDATE finds it.
        await self._flush_tickets()
        await self.conn.execute(
            update(tickets).where(tickets.c.id == ticket.id).values(manager_id=manager_id)
        )
        return self._saw(ticket.evolve(manager_id=manager_id))

    async def add_message(self, message: TicketMessage) -> None:
        """Append a message to a ticket's conversation."""
        self._ahead.forget(message.ticket_id)
        self.appends.add(
            messages,
            {
                "ticket_id": message.ticket_id,
                "author_id": message.author_id,
                "from_retailer": message.from_retailer,
                **codec.content_values(message.content),
                "at": message.at,
            },
        )

    async def waiting_messages(self, ticket_id: int, since: datetime) -> list[TicketMessage]:
        """Return the retailer's messages not yet answered."""
        ahead = self._ahead.waiting(ticket_id, since)
        if ahead is not None:
            return ahead
        await self.appends.flush(self.conn, messages)
        query = (
            select(messages)
            .where(messages.c.ticket_id == ticket_id, messages.c.from_retailer.is_(True))
            .where(messages.c.at >= since)
            .order_by(messages.c.id)
        )
        return [_message(row) for row in (await self.conn.execute(query)).all()]

    async def conversation(self, ticket_id: int) -> list[TicketMessage]:
        """Return a ticket's whole conversation, both sides, oldest first."""
        await self.appends.flush(self.conn, messages)
        query = select(messages).where(messages.c.ticket_id == ticket_id).order_by(messages.c.id)
        return [_message(row) for row in (await self.conn.execute(query)).all()]

    async def staff_message(self, address: Address, message_id: str) -> TicketMessage | None:
        """Return the staff answer that is this message of a staff member's own chat."""
        await self.appends.flush(self.conn, messages)
        query = select(messages).where(
            messages.c.from_retailer.is_(False),
            messages.c.channel == address.channel,
            messages.c.chat_id == address.chat,
            messages.c.message_id == message_id,
        )
        row = (await self.conn.execute(query)).first()
        return _message(row) if row else None

    async def record(self, event: Event) -> None:
        """Append an event to a ticket's history."""
        self._ahead.forget(event.ticket_id)
        self.appends.add(
            events,
            {
                "ticket_id": event.ticket_id,
                "kind": event.kind.value,
                "at": event.at,
                "actor": event.actor,
                "target": event.target,
                "step": event.step,
                "seconds": event.seconds,
                "round": event.round,
                "delivered": event.delivered,
                "detail": json.dumps(event.detail, ensure_ascii=False),
            },
        )

    async def notified(self, ticket_id: int, since: datetime) -> list[str]:
        """Return staff ids the ticket was escalated to since a moment."""
        ahead = self._ahead.notified(ticket_id, since)
        if ahead is not None:
            return ahead
        await self.appends.flush(self.conn, events)
        query = (
            select(events.c.target)
            .where(events.c.ticket_id == ticket_id, events.c.kind == EventKind.ESCALATED.value)
            .where(events.c.at >= since, events.c.target.is_not(None))
            .order_by(events.c.id)
        )
        seen = [t for t in (await self.conn.scalars(query)).all() if t is not None]
        return list(dict.fromkeys(seen))

    async def reassigned_from(self, ticket_id: int) -> list[str]:
        """Return the managers supervisors took a ticket from, first first."""
        await self.appends.flush(self.conn, events)
        query = (
            select(events.c.detail)
            .where(events.c.ticket_id == ticket_id, events.c.kind == EventKind.REASSIGNED.value)
            .order_by(events.c.id)
        )
        taken = [json.loads(d or "{}").get("from") for d in (await self.conn.scalars(query)).all()]
        return list(dict.fromkeys(str(m) for m in taken if m))

    async def open_tickets_of(self, staff_id: str) -> list[Ticket]:
        """Return open tickets assigned to a manager, oldest first."""
        await self._flush_tickets()
        query = (
            select(tickets)
            .where(tickets.c.manager_id == staff_id, tickets.c.status == TicketStatus.OPEN.value)
            .order_by(tickets.c.opened_at)
        )
        return [codec.ticket_from_row(r) for r in (await self.conn.execute(query)).all()]

    async def leave_of(self, manager_id: str, at: datetime) -> Leave | None:
        """Return the manager's leave in force at a moment."""
        return await self._batch.leave_of(self.conn, manager_id, at)

    async def start_leave(self, leave: Leave) -> None:
        """Store a manager's leave, replacing any earlier one."""
        self._batch.forget()
        await self.conn.execute(delete(leaves).where(leaves.c.manager_id == leave.manager_id))
        await self.conn.execute(
            insert(leaves).values(
                manager_id=leave.manager_id,
                covering_id=leave.covering_id,
                until=leave.until,
                started_at=leave.started_at,
            )
        )

    async def end_leave(self, manager_id: str, at: datetime) -> bool:
        """End a manager's leave; False when none was in force."""
        self._batch.forget()
        result = await self.conn.execute(
            delete(leaves).where(leaves.c.manager_id == manager_id, leaves.c.until > at)
        )
        return bool(result.rowcount)

    async def earliest_due(self) -> datetime | None:
        """Return the earliest next due time of any open ticket."""
        await self._flush_tickets()
        earliest: datetime | None = await self.conn.scalar(select(func.min(tickets.c.next_due_at)))
        return earliest

    async def earliest_wakeup(self) -> datetime | None:
        """Return when the next step, complaint reminder or rating request falls due."""
        await self._flush_tickets()
        row = (await self.conn.execute(_WAKEUP)).one()
        return min((t for t in row if t is not None), default=None)

    async def due_tickets(self, now: datetime, limit: int) -> list[Ticket]:
        """Claim open tickets whose next step is due."""
        await self._flush_tickets()
        due: list[Ticket] = []
        while True:
            wanted = limit - len(due)
            query = (
                select(tickets)
                .where(and_(tickets.c.next_due_at.is_not(None), tickets.c.next_due_at <= now))
                .order_by(tickets.c.next_due_at)
                .limit(wanted)
            )
            if due:
                query = query.where(tickets.c.id.not_in([ticket.id for ticket in due]))
            if self._locking:
                query = query.with_for_update(skip_locked=True)
            rows = (await self.conn.execute(query)).all()
            for row in rows:
                try:
                    due.append(codec.ticket_from_row(row))
                except Exception as error:
                    # A row this code cannot read (a policy snapshot of a newer release) is
                    # set aside, so that it does not stop every other ticket's ladder.
                    await self._park_unreadable(row.id, error)
            # Rows set aside leave room in the batch for the ones after them.
            if len(rows) < wanted or len(due) == limit:
                break
        # Each climb reads the retailer, the waiting messages and who was told: read them all now.
        await self.appends.flush(self.conn, messages, events)
        await self._ahead.load(self.conn, due)
        return due

    async def _park_unreadable(self, ticket_id: int, error: Exception) -> None:
        """Take an unreadable ticket off the ladder, with an event that says why."""
        log.error("ticket %s is unreadable and off the ladder: %s", ticket_id, type(error).__name__)
        await self.conn.execute(
            update(tickets).where(tickets.c.id == ticket_id).values(next_due_at=None)
        )
        detail = {"error": type(error).__name__, "unreadable": True}
        await self.conn.execute(
            insert(events).values(
                ticket_id=ticket_id,
                kind=EventKind.STUCK.value,
                at=self.clock.now(),
                detail=json.dumps(detail),
            )
        )


def _message(row: Row[Any]) -> TicketMessage:
    m = row._mapping
    content = codec.content_from(m)
    return TicketMessage(m["ticket_id"], m["author_id"], bool(m["from_retailer"]), content, m["at"])
