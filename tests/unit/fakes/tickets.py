"""The Tickets port in memory: tickets, their messages and events, leaves, and what is due."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from desk.people import Address, Leave
from desk.tickets import Event, EventKind, Ticket, TicketMessage
from tests.unit.fakes.state import FakePart

# What a ticket is opened with; saving writes its state, as the SQL store's UPDATE does.
OPENED_WITH = ("retailer_id", "manager_id", "home_manager_id", "opened_at", "policy", "off_hours")


class FakeTickets(FakePart):
    """Tickets, conversations, events and leaves over the fake state."""

    async def open_ticket_of(self, retailer_id: str) -> Ticket | None:
        """Return the retailer's newest open ticket."""
        mine = [t for t in self._s.tickets.values() if t.retailer_id == retailer_id and t.is_open]
        return max(mine, key=lambda t: t.id, default=None)

    async def ticket(self, ticket_id: int) -> Ticket | None:
        """Return a ticket."""
        return self._s.tickets.get(ticket_id)

    async def create_ticket(self, draft: Ticket) -> Ticket:
        """Insert a new ticket and return it with its number."""
        self._write()
        self._s.last_ticket_id += 1
        ticket = draft.evolve(id=self._s.last_ticket_id)
        self._s.tickets[ticket.id] = ticket
        return ticket

    async def save_ticket(self, ticket: Ticket) -> None:
        """Write a ticket's changed state; like an UPDATE, a missing ticket stays missing."""
        self._write()
        stored = self._s.tickets.get(ticket.id)
        if stored is not None:
            kept = {name: getattr(stored, name) for name in OPENED_WITH}
            self._s.tickets[ticket.id] = replace(ticket, **kept)

    async def assign(self, ticket: Ticket, manager_id: str) -> Ticket:
        """Give a ticket to another manager and return it so; its home manager stays."""
        self._write()
        stored = self._s.tickets.get(ticket.id)
        if stored is not None:
            self._s.tickets[ticket.id] = stored.evolve(manager_id=manager_id)
        return ticket.evolve(manager_id=manager_id)

    async def add_message(self, message: TicketMessage) -> None:
        """Append a message to a ticket's conversation."""
        self._write()
        self._s.messages.append(message)

    async def waiting_messages(self, ticket_id: int, since: datetime) -> list[TicketMessage]:
        """Return the retailer's messages since a moment, oldest first."""
        return [
            m
            for m in self._s.messages
            if m.ticket_id == ticket_id and m.from_retailer and m.at >= since
        ]

    async def conversation(self, ticket_id: int) -> list[TicketMessage]:
        """Return a ticket's whole conversation."""
        return [m for m in self._s.messages if m.ticket_id == ticket_id]

    async def staff_message(self, address: Address, message_id: str) -> TicketMessage | None:
        """Return the staff answer that is this message of a staff chat."""
        return next(
            (
                m
                for m in self._s.messages
                if not m.from_retailer
                and m.content.origin == address
                and m.content.message == message_id
            ),
            None,
        )

    async def record(self, event: Event) -> None:
        """Append an event to a ticket's history."""
        self._write()
        self._s.events.append(event)

    async def notified(self, ticket_id: int, since: datetime) -> list[str]:
        """Return staff ids the ticket was escalated to since a moment, first time first."""
        seen = [
            e.target
            for e in self._s.events
            if e.ticket_id == ticket_id
            and e.kind is EventKind.ESCALATED
            and e.at >= since
            and e.target is not None
        ]
        return list(dict.fromkeys(seen))

    async def reassigned_from(self, ticket_id: int) -> list[str]:
        """Return the managers supervisors took a ticket from, first first."""
        taken = [
            str(e.detail["from"])
            for e in self._s.events
            if e.ticket_id == ticket_id and e.kind is EventKind.REASSIGNED and e.detail.get("from")
        ]
        return list(dict.fromkeys(taken))

    async def open_tickets_of(self, staff_id: str) -> list[Ticket]:
        """Return open tickets assigned to a manager, oldest first."""
        mine = [t for t in self._s.tickets.values() if t.manager_id == staff_id and t.is_open]
        return sorted(mine, key=lambda t: t.opened_at)

    async def leave_of(self, manager_id: str, at: datetime) -> Leave | None:
        """Return the manager's leave in force at a moment."""
        leave = self._s.leaves.get(manager_id)
        return leave if leave is not None and leave.until > at else None

    async def start_leave(self, leave: Leave) -> None:
        """Store a manager's leave, replacing any earlier one."""
        self._write()
        self._s.leaves[leave.manager_id] = leave

    async def end_leave(self, manager_id: str, at: datetime) -> bool:
        """End a manager's leave; False when none was in force."""
        self._write()
        if await self.leave_of(manager_id, at) is None:
            return False
        del self._s.leaves[manager_id]
        return True

    async def earliest_due(self) -> datetime | None:
        """Return the earliest next due time of any ticket."""
        return min((t.next_due_at for t in self._s.tickets.values() if t.next_due_at), default=None)

    async def earliest_wakeup(self) -> datetime | None:
        """Return when the next step, complaint reminder or rating request falls due."""
        times = [
            await self.earliest_due(),
            min(
                (c.next_due_at for c in self._s.complaints.values() if c.next_due_at), default=None
            ),
            min(
                (r.due_at for r in self._s.ratings.values() if r.asked_at is None and r.due_at),
                default=None,
            ),
        ]
        return min((t for t in times if t is not None), default=None)

    async def due_tickets(self, now: datetime, limit: int) -> list[Ticket]:
        """Return tickets whose next step is due, most overdue first."""
        self._write()
        due = [t for t in self._s.tickets.values() if t.next_due_at and t.next_due_at <= now]
        return sorted(due, key=lambda t: (t.next_due_at or now, t.id))[:limit]
