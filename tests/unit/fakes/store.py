"""The fake ledger, composed of one fake per port, and the fake store that opens it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import datetime

from desk.clock import Clock
from desk.complaints import Complaint, ComplaintMessage
from desk.content import HeldMessage
from desk.guide import GuideDraft
from desk.notices import Notice, NoticeKind
from desk.people import Address, Leave, Retailer
from desk.ratings import Rating
from desk.supply import SupplyRequest
from desk.tickets import Event, EventKind, Ticket, TicketMessage, TicketStatus
from tests.unit.fakes.complaints import FakeComplaints
from tests.unit.fakes.guide import FakeGuideDrafts
from tests.unit.fakes.notices import FakeNotices
from tests.unit.fakes.people import FakePeople
from tests.unit.fakes.ratings import FakeRatings
from tests.unit.fakes.state import Posted, State
from tests.unit.fakes.supply import FakeSupplies
from tests.unit.fakes.tickets import FakeTickets


class FakeLedger(
    FakePeople, FakeTickets, FakeComplaints, FakeRatings, FakeSupplies, FakeGuideDrafts, FakeNotices
):
    """The Ledger over one unit of work's private copy of the state."""


class FakeStore:
    """A Store in memory: each transaction works on a copy that replaces the state on success."""

    def __init__(self, retailers: Iterable[Retailer] = (), clock: Clock | None = None) -> None:
        self._state = State(retailers={r.id: r for r in retailers})
        self._clock = clock
        self._open = False
        self._message_ids: dict[Address, int] = {}
        self.commits = 0
        self.rollbacks = 0

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[FakeLedger]:
        """Run the block on a private copy; keep it on success, drop it on any exception."""
        if self._open:
            # The SQLite store holds one writer lock: a nested transaction would deadlock there.
            raise RuntimeError("a transaction is already open")
        self._open = True
        work = self._state.clone()
        try:
            yield FakeLedger(work, clock=self._clock)
        except BaseException:
            self.rollbacks += 1
            raise
        else:
            self._state = work
            self.commits += 1
        finally:
            self._open = False

    @asynccontextmanager
    async def peek(self) -> AsyncIterator[FakeLedger]:
        """Read the committed state without waiting for an open transaction; writes raise."""
        yield FakeLedger(self._state.clone(), writable=False, clock=self._clock)

    def add_retailer(self, retailer: Retailer) -> None:
        """Put a retailer on the roster."""
        self._state.retailers[retailer.id] = retailer

    def add_ticket(self, ticket: Ticket) -> Ticket:
        """Store a ticket as given, for tests that start mid-story."""
        self._state.tickets[ticket.id] = ticket
        self._state.last_ticket_id = max(self._state.last_ticket_id, ticket.id)
        return ticket

    def deliver_all(self, until: datetime | None = None) -> list[Posted]:
        """Deliver pending notices (those due by `until`, if given), numbering them per chat."""
        delivered: list[Posted] = []
        for index, posted in enumerate(self._state.outbox):
            if posted.message_id is not None:
                continue
            if until is not None and posted.not_before is not None and posted.not_before > until:
                continue
            address = posted.notice.address
            self._message_ids[address] = self._message_ids.get(address, 0) + 1
            sent = replace(posted, message_id=str(self._message_ids[address]))
            self._state.outbox[index] = sent
            delivered.append(sent)
        return delivered

    def message_id_of(self, notice: Notice) -> str:
        """Deliver what is pending and return the message id this very notice got."""
        self.deliver_all()
        for posted in self._state.outbox:
            if posted.notice is notice:
                assert posted.message_id is not None
                return posted.message_id
        raise LookupError(f"{notice.kind} to {notice.to} was never posted")

    @property
    def retailers(self) -> dict[str, Retailer]:
        """Return the roster by id."""
        return self._state.retailers

    @property
    def staff_langs(self) -> dict[str, str]:
        """Return the languages staff picked, by staff id."""
        return self._state.staff_langs

    @property
    def tickets(self) -> dict[int, Ticket]:
        """Return the tickets by number."""
        return self._state.tickets

    @property
    def messages(self) -> list[TicketMessage]:
        """Return every ticket message, in order."""
        return self._state.messages

    @property
    def events(self) -> list[Event]:
        """Return every event, in order."""
        return self._state.events

    @property
    def leaves(self) -> dict[str, Leave]:
        """Return the leaves by manager id."""
        return self._state.leaves

    @property
    def complaints(self) -> dict[int, Complaint]:
        """Return the complaints by number."""
        return self._state.complaints

    @property
    def complaint_messages(self) -> list[ComplaintMessage]:
        """Return every complaint message, in order."""
        return self._state.complaint_messages

    @property
    def held(self) -> list[HeldMessage]:
        """Return the messages held for the retailer's choice, in order."""
        return self._state.held

    @property
    def ratings(self) -> dict[int, Rating]:
        """Return the ratings by ticket number."""
        return self._state.ratings

    @property
    def supply(self) -> dict[int, SupplyRequest]:
        """Return the supply requests by number."""
        return self._state.supply

    @property
    def drafts(self) -> dict[int, GuideDraft]:
        """Return the guide drafts by number."""
        return self._state.drafts

    @property
    def outbox(self) -> list[Posted]:
        """Return every outbox row, in order."""
        return self._state.outbox

    @property
    def posted(self) -> list[Notice]:
        """Return every notice posted, in order."""
        return [p.notice for p in self._state.outbox]

    @property
    def settled(self) -> set[tuple[str, int]]:
        """Return the (channel, update id) keys applied so far."""
        return self._state.settled

    @property
    def reports(self) -> set[tuple[str, str]]:
        """Return the (week, supervisor) reports claimed so far."""
        return set(self._state.reports)

    def posted_to(self, person_id: str, kind: NoticeKind | None = None) -> list[Notice]:
        """Return the notices addressed to one person, optionally of one kind."""
        return [n for n in self.posted if n.to == person_id and (kind is None or n.kind is kind)]

    def events_of(self, kind: EventKind) -> list[Event]:
        """Return the events of one kind, in order."""
        return [e for e in self.events if e.kind is kind]

    def open_tickets(self) -> list[Ticket]:
        """Return the tickets still open."""
        return [t for t in self.tickets.values() if t.status is TicketStatus.OPEN]
