"""What the desk needs from storage: one small port per aggregate, and the unit of work over all.

Each port is cut by what its methods read and write:

- `People`: the retailers table with their contacts (who a chat is, what the desk awaits from
  them, their language) and the languages staff picked.
- `Tickets`: tickets, their messages and events, and the managers' leaves that route them; what
  falls due next for the escalation engine to wake up for.
- `Complaints`: complaints, their messages, and the messages held until the retailer says
  whether they are a complaint or a question.
- `Ratings`: one rating per ticket, from asked to given.
- `Supplies`: supply requests (orders) and their outcomes.
- `GuideDrafts`: answers proposed for the guide and their review.
- `Notices`: the inbox and the outbox: updates settled once, notices posted, amended and found
  again by the chat and message they were delivered as (for a ticket or a complaint), and the
  weekly summaries claimed.

`Ledger` is their union: a use case runs in one unit of work that spans several aggregates, and
a helper that touches one aggregate takes that port alone.
"""

from __future__ import annotations

from collections.abc import Collection
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Protocol

from desk.complaints import Complaint, ComplaintMessage
from desk.content import HeldMessage
from desk.guide import GuideDraft
from desk.notices import Notice, NoticeKind, Queued
from desk.people import Address, Leave, Retailer
from desk.ratings import Rating
from desk.supply import SupplyRequest
from desk.tickets import Event, Ticket, TicketMessage


class People(Protocol):
    """Retailers, the chats they are reached on, what the desk awaits, and languages."""

    async def retailer(self, retailer_id: str) -> Retailer | None:
        """Return a retailer by roster id."""
        ...

    async def retailer_at(self, address: Address) -> Retailer | None:
        """Return the retailer linked to this chat."""
        ...

    async def retailer_with_phone(self, phone: str) -> Retailer | None:
        """Return the retailer whose roster phone (E.164) this is."""
        ...

    async def link_chat(self, retailer_id: str, address: Address, held_by: str | None) -> bool:
        """Link a retailer to a chat if their chat on its channel is still `held_by` (None: none).

        Whoever held the chat before loses it: one chat per retailer and channel, one retailer per
        chat. False, changing nothing, when the retailer's chat there is no longer `held_by`.
        """
        ...

    async def expect(self, retailer_id: str, awaiting: str | None, until: datetime | None) -> None:
        """Remember what the desk waits for from a retailer next (None: nothing)."""
        ...

    async def set_retailer_lang(self, retailer_id: str, lang: str, *, chosen: bool) -> None:
        """Store a retailer's language; `chosen` when they picked it themselves."""
        ...

    async def staff_langs(self) -> dict[str, str]:
        """Return the languages staff members picked in the chat, by staff id."""
        ...

    async def set_staff_lang(self, staff_id: str, lang: str, at: datetime) -> None:
        """Store the language a staff member picked."""
        ...


class Tickets(Protocol):
    """Tickets with their conversations, events and the leaves that route them; what falls due."""

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
        """Write a ticket's changed state; never whose it is."""
        ...

    async def assign(self, ticket: Ticket, manager_id: str) -> Ticket:
        """Give a ticket to another manager and return it so; its home manager stays."""
        ...

    async def add_message(self, message: TicketMessage) -> None:
        """Append a message to a ticket's conversation."""
        ...

    async def waiting_messages(self, ticket_id: int, since: datetime) -> list[TicketMessage]:
        """Return the retailer's messages not yet answered."""
        ...

    async def conversation(self, ticket_id: int) -> list[TicketMessage]:
        """Return a ticket's whole conversation, both sides, oldest first."""
        ...

    async def staff_message(self, address: Address, message_id: str) -> TicketMessage | None:
        """Return the staff answer that is this message of a staff member's own chat."""
        ...

    async def record(self, event: Event) -> None:
        """Append an event to a ticket's history."""
        ...

    async def notified(self, ticket_id: int, since: datetime) -> list[str]:
        """Return staff ids the ticket was escalated to since a moment."""
        ...

    async def reassigned_from(self, ticket_id: int) -> list[str]:
        """Return the managers supervisors took a ticket from, first first."""
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

    async def due_tickets(self, now: datetime, limit: int) -> list[Ticket]:
        """Claim open tickets whose next step is due."""
        ...

    async def earliest_due(self) -> datetime | None:
        """Return the earliest next due time of any open ticket."""
        ...

    async def earliest_wakeup(self) -> datetime | None:
        """Return when the next step, complaint reminder or rating request falls due."""
        ...


class Complaints(Protocol):
    """Confidential complaints, their conversations, and messages held for the retailer."""

    async def create_complaint(self, draft: Complaint) -> Complaint:
        """Insert a new complaint and return it with its number."""
        ...

    async def complaint(self, complaint_id: int) -> Complaint | None:
        """Return a complaint, locked for update."""
        ...

    async def open_complaint_of(self, retailer_id: str) -> Complaint | None:
        """Return the retailer's open complaint, locked for update."""
        ...

    async def save_complaint(self, complaint: Complaint) -> None:
        """Write a complaint's changed state."""
        ...

    async def add_complaint_message(self, message: ComplaintMessage) -> None:
        """Append a message to a complaint's conversation."""
        ...

    async def complaint_messages(
        self, complaint_id: int, since: datetime
    ) -> list[ComplaintMessage]:
        """Return the retailer's messages of a complaint since a moment."""
        ...

    async def due_complaints(self, now: datetime, limit: int) -> list[Complaint]:
        """Claim open complaints whose next reminder is due."""
        ...

    async def earliest_complaint_due(self) -> datetime | None:
        """Return when the next complaint reminder falls due."""
        ...

    async def hold(self, message: HeldMessage) -> None:
        """Keep a retailer's message back until they say who it is for."""
        ...

    async def held_messages(self, retailer_id: str) -> list[HeldMessage]:
        """Return the retailer's held messages, oldest first."""
        ...

    async def release_held(self, retailer_id: str) -> None:
        """Forget the retailer's held messages once they are taken where they belong."""
        ...


class Ratings(Protocol):
    """The rating asked for after an answer, and given."""

    async def rating(self, ticket_id: int) -> Rating | None:
        """Return a ticket's rating, asked for or given."""
        ...

    async def save_rating(self, rating: Rating) -> None:
        """Insert or update a ticket's rating."""
        ...

    async def due_ratings(self, now: datetime, limit: int) -> list[Rating]:
        """Claim ratings due to be asked for."""
        ...

    async def earliest_rating_due(self) -> datetime | None:
        """Return when the next rating falls due to be asked for."""
        ...


class Supplies(Protocol):
    """Orders a retailer placed through the desk, and how their manager answered."""

    async def create_supply(self, draft: SupplyRequest) -> SupplyRequest:
        """Insert a supply request and return it with its number."""
        ...

    async def supply(self, request_id: int) -> SupplyRequest | None:
        """Return a supply request."""
        ...

    async def save_supply(self, request: SupplyRequest) -> None:
        """Write how a supply request was answered."""
        ...


class GuideDrafts(Protocol):
    """Staff answers proposed for the guide, and the supervisors' decisions."""

    async def create_draft(self, draft: GuideDraft) -> GuideDraft | None:
        """Insert a guide draft; None when that answer was saved before."""
        ...

    async def guide_draft(self, draft_id: int) -> GuideDraft | None:
        """Return a guide draft."""
        ...

    async def save_draft(self, draft: GuideDraft) -> None:
        """Write a guide draft's decision."""
        ...

    async def approved_drafts(self) -> list[GuideDraft]:
        """Return the drafts approved into the library, oldest first."""
        ...


class Notices(Protocol):
    """What came in and went out: updates settled, notices posted, summaries sent."""

    async def settle(self, channel: str, update_id: int) -> bool:
        """Mark an inbound update handled; False when it was handled before."""
        ...

    async def post(self, notice: Notice, not_before: datetime | None = None) -> None:
        """Queue a message in the outbox, held until `not_before` when given.

        A staff member gets it in the language they last picked, whatever the notice says.
        """
        ...

    async def last_notice(
        self, ticket_id: int, to: str, kinds: Collection[NoticeKind]
    ) -> Queued | None:
        """Return the newest notice of these kinds about a ticket to one person."""
        ...

    async def amend(self, queued: Queued, notice: Notice) -> bool:
        """Rewrite a notice nobody tried to send yet; False once the sender has taken it."""
        ...

    async def ticket_of_message(self, address: Address, message_id: str) -> int | None:
        """Return the ticket a bot message in this chat belongs to."""
        ...

    async def notice_of_message(self, address: Address, message_id: str) -> Notice | None:
        """Return the notice a bot message in this chat delivered."""
        ...

    async def complaint_of_message(self, address: Address, message_id: str) -> int | None:
        """Return the complaint a bot message in this chat belongs to."""
        ...

    async def claim_report(self, week: str, supervisor_id: str, at: datetime) -> bool:
        """Reserve a week's summary for a supervisor; False when it was already sent."""
        ...

    async def report_claimed(self, week: str, supervisor_id: str) -> bool:
        """Tell whether a week's summary for a supervisor was sent already."""
        ...

    async def in_service_since(self) -> datetime | None:
        """Return when the desk first stored anything: an update, a ticket or a summary."""
        ...


class Ledger(People, Tickets, Complaints, Ratings, Supplies, GuideDrafts, Notices, Protocol):
    """Reads and writes inside one transaction, over every aggregate."""


class Store(Protocol):
    """Open units of work."""

    def transaction(self) -> AbstractAsyncContextManager[Ledger]:
        """Run the block in one transaction; notices and changes commit together."""
        ...

    def peek(self) -> AbstractAsyncContextManager[Ledger]:
        """Read without taking the writer's turn; writes made here are not allowed."""
        ...
