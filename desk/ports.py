"""What the desk needs from storage, as a unit of work it runs its use cases in."""

from __future__ import annotations

from collections.abc import Collection
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Protocol

from desk.notices import Notice, NoticeKind, Queued
from desk.people import Address, Leave, Retailer
from desk.tickets import Event, Ticket, TicketMessage


class Ledger(Protocol):
    """Reads and writes inside one transaction."""

    async def settle(self, channel: str, update_id: int) -> bool:
        """Mark an inbound update handled; False when it was handled before."""
        ...

    async def retailer(self, retailer_id: str) -> Retailer | None:
        """Return a retailer by roster id."""
        ...

    async def retailer_at(self, address: Address) -> Retailer | None:
        """Return the retailer linked to this chat."""
        ...

    async def link_retailer(self, phone: str, address: Address) -> Retailer | None:
        """Link the retailer with this roster phone to a chat."""
        ...

    async def open_ticket_of(self, retailer_id: str) -> Ticket | None:
        """Return the retailer's open ticket, locked for update."""
        ...

    async def ticket(self, ticket_id: int) -> Ticket | None:
        """Return a ticket, locked for update."""
        ...

    async def create_ticket(self, draft: Ticket) -> Ticket:
        """Insert a new ticket and return it with its number."""
        ...

    async def save_ticket(self, ticket: Ticket) -> None:
        """Write a ticket's changed state."""
        ...

    async def add_message(self, message: TicketMessage) -> None:
        """Append a message to a ticket's conversation."""
        ...

    async def waiting_messages(self, ticket_id: int, since: datetime) -> list[TicketMessage]:
        """Return the retailer's messages not yet answered."""
        ...

    async def record(self, event: Event) -> None:
        """Append an event to a ticket's history."""
        ...

    async def post(self, notice: Notice, not_before: datetime | None = None) -> None:
        """Queue a message in the outbox, held until `not_before` when given."""
        ...

    async def last_notice(
        self, ticket_id: int, to: str, kinds: Collection[NoticeKind]
    ) -> Queued | None:
        """Return the newest notice of these kinds about a ticket to one person."""
        ...

    async def amend(self, queued: Queued, notice: Notice) -> bool:
        """Rewrite a notice nobody tried to send yet; False once the sender has taken it."""
        ...

    async def ticket_of_message(self, address: Address, message_id: int) -> int | None:
        """Return the ticket a bot message in this chat belongs to."""
        ...

    async def notified(self, ticket_id: int, since: datetime) -> list[str]:
        """Return staff ids the ticket was escalated to since a moment."""
        ...

    async def open_tickets_of(self, staff_id: str) -> list[Ticket]:
        """Return open tickets assigned to a manager, oldest first."""
        ...

    async def leave_of(self, manager_id: str, at: datetime) -> Leave | None:
        """Return the manager's leave in force at a moment."""
        ...

    async def start_leave(self, leave: Leave) -> None:
        """Store a manager's leave, replacing any earlier one."""
        ...

    async def end_leave(self, manager_id: str, at: datetime) -> bool:
        """End a manager's leave; False when none was in force."""
        ...

    async def claim_report(self, week: str, supervisor_id: str, at: datetime) -> bool:
        """Reserve a week's summary for a supervisor; False when it was already sent."""
        ...

    async def earliest_due(self) -> datetime | None:
        """Return the earliest next due time of any open ticket."""
        ...

    async def due_tickets(self, now: datetime, limit: int) -> list[Ticket]:
        """Claim open tickets whose next step is due."""
        ...


class Store(Protocol):
    """Open units of work."""

    def transaction(self) -> AbstractAsyncContextManager[Ledger]:
        """Run the block in one transaction; notices and changes commit together."""
        ...

    def peek(self) -> AbstractAsyncContextManager[Ledger]:
        """Read without taking the writer's turn; writes made here are not allowed."""
        ...
