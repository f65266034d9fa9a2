"""In-memory stand-ins for the clock and the store, recording what the desk did."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from desk.clock import Clock
from desk.notices import Notice, NoticeKind, Queued
from desk.people import Address, Leave, Retailer
from desk.tickets import Event, EventKind, Ticket, TicketMessage, TicketStatus
from tests.unit.field_fakes import FakeFieldLedger, FieldCases


class FakeClock:
    """Tell a time that only moves when a test moves it."""

    def __init__(self, start: datetime) -> None:
        self._now = _utc(start)

    def now(self) -> datetime:
        """Return the current fake time in UTC."""
        return self._now

    def advance(
        self, *, seconds: float = 0, minutes: float = 0, hours: float = 0, days: float = 0
    ) -> datetime:
        """Move time forward and return the new now."""
        step = timedelta(seconds=seconds, minutes=minutes, hours=hours, days=days)
        if step < timedelta(0):
            raise ValueError("a clock does not run backwards; use set() to jump")
        self._now += step
        return self._now

    def set(self, moment: datetime) -> datetime:
        """Jump to a moment, given in any timezone."""
        self._now = _utc(moment)
        return self._now


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("the fake clock takes aware datetimes only")
    return moment.astimezone(UTC)


@dataclass(frozen=True)
class Posted:
    """One outbox row: a notice and, once delivered, its message id in the recipient's chat."""

    notice: Notice
    message_id: str | None = None
    at: datetime | None = None
    not_before: datetime | None = None


@dataclass
class _State:
    retailers: dict[str, Retailer] = field(default_factory=dict)
    tickets: dict[int, Ticket] = field(default_factory=dict)
    messages: list[TicketMessage] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    outbox: list[Posted] = field(default_factory=list)
    leaves: dict[str, Leave] = field(default_factory=dict)
    reports: set[tuple[str, str]] = field(default_factory=set)
    settled: set[tuple[str, int]] = field(default_factory=set)
    last_ticket_id: int = 0
    field_cases: FieldCases = field(default_factory=FieldCases)

    def clone(self) -> _State:
        # Every stored value is a frozen dataclass, so copying the containers is a full copy.
        return replace(
            self,
            retailers=dict(self.retailers),
            tickets=dict(self.tickets),
            messages=list(self.messages),
            events=list(self.events),
            outbox=list(self.outbox),
            leaves=dict(self.leaves),
            reports=set(self.reports),
            settled=set(self.settled),
            field_cases=self.field_cases.clone(),
        )


class FakeLedger(FakeFieldLedger):
    """The Ledger over one unit of work's private copy of the state."""

    def __init__(self, state: _State, *, writable: bool = True, clock: Clock | None = None) -> None:
        self._s = state
        self._writable = writable
        self._clock = clock

    def _write(self) -> None:
        if not self._writable:
            raise RuntimeError("a write inside peek(): reads only there")

    async def settle(self, channel: str, update_id: int) -> bool:
        """Mark an inbound update handled; False when it was handled before."""
        self._write()
        key = (channel, update_id)
        if key in self._s.settled:
            return False
        self._s.settled.add(key)
        return True

    async def retailer(self, retailer_id: str) -> Retailer | None:
        """Return a retailer by roster id."""
        return self._s.retailers.get(retailer_id)

    async def retailer_at(self, address: Address) -> Retailer | None:
        """Return the retailer linked to this chat."""
        return next((r for r in self._s.retailers.values() if address in r.contacts), None)

    async def retailer_with_phone(self, phone: str) -> Retailer | None:
        """Return the retailer whose roster phone (E.164) this is."""
        return next((r for r in self._s.retailers.values() if r.phone == phone), None)

    async def link_chat(self, retailer_id: str, address: Address, held_by: str | None) -> bool:
        """Link a retailer to a chat if their chat there is still `held_by`; unlink its holder."""
        self._write()
        found = self._s.retailers.get(retailer_id)
        held = found.contact_on(address.channel) if found else None
        if found is None or (held.chat if held else None) != held_by:
            return False
        for other in list(self._s.retailers.values()):
            if address in other.contacts and other.id != retailer_id:
                kept = tuple(c for c in other.contacts if c != address)
                self._s.retailers[other.id] = replace(other, contacts=kept)
        others = tuple(c for c in found.contacts if c.channel != address.channel)
        # Most recently linked first, as the store returns them.
        self._s.retailers[retailer_id] = replace(found, contacts=(address, *others))
        return True

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
        if ticket.id in self._s.tickets:
            self._s.tickets[ticket.id] = ticket

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

    async def record(self, event: Event) -> None:
        """Append an event to a ticket's history."""
        self._write()
        self._s.events.append(event)

    async def post(self, notice: Notice, not_before: datetime | None = None) -> None:
        """Queue a message in the outbox, held until `not_before` when given."""
        self._write()
        at = self._clock.now() if self._clock else None
        held = max(not_before, at) if not_before and at else not_before or at
        picked = self._s.field_cases.staff_langs.get(notice.to, notice.lang)
        self._s.outbox.append(Posted(replace(notice, lang=picked), at=at, not_before=held))

    async def last_notice(
        self, ticket_id: int, to: str, kinds: Collection[NoticeKind]
    ) -> Queued | None:
        """Return the newest notice of these kinds about a ticket to one person."""
        for row_id in reversed(range(len(self._s.outbox))):
            posted = self._s.outbox[row_id]
            notice = posted.notice
            if notice.ticket_id == ticket_id and notice.to == to and notice.kind in kinds:
                assert posted.not_before is not None, "give the FakeStore a clock"
                sent_at = posted.not_before if posted.message_id is not None else None
                return Queued(row_id, notice, posted.not_before, sent_at, posted.message_id is None)
        return None

    async def amend(self, queued: Queued, notice: Notice) -> bool:
        """Rewrite a notice not delivered yet; False once it was."""
        self._write()
        posted = self._s.outbox[queued.id]
        if posted.message_id is not None:
            return False
        self._s.outbox[queued.id] = replace(posted, notice=notice)
        return True

    async def ticket_of_message(self, address: Address, message_id: str) -> int | None:
        """Return the ticket of a delivered message, keyed on chat and message id together."""
        return next(
            (
                p.notice.ticket_id
                for p in self._s.outbox
                if p.notice.address == address and p.message_id == message_id
            ),
            None,
        )

    async def notice_of_message(self, address: Address, message_id: str) -> Notice | None:
        """Return the notice a delivered message in this chat carried."""
        return next(
            (
                p.notice
                for p in self._s.outbox
                if p.notice.address == address and p.message_id == message_id
            ),
            None,
        )

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

    async def claim_report(self, week: str, supervisor_id: str, at: datetime) -> bool:
        """Reserve a week's summary for a supervisor; False when it was already claimed."""
        self._write()
        key = (week, supervisor_id)
        if key in self._s.reports:
            return False
        self._s.reports.add(key)
        return True

    async def report_claimed(self, week: str, supervisor_id: str) -> bool:
        """Tell whether a week's summary for a supervisor was claimed."""
        return (week, supervisor_id) in self._s.reports

    async def in_service_since(self) -> datetime | None:
        """Return when the first ticket was opened (the fake keeps no inbox or claim times)."""
        return min((t.opened_at for t in self._s.tickets.values()), default=None)

    async def earliest_due(self) -> datetime | None:
        """Return the earliest next due time of any ticket."""
        return min((t.next_due_at for t in self._s.tickets.values() if t.next_due_at), default=None)

    async def earliest_wakeup(self) -> datetime | None:
        """Return when the next step, complaint reminder or rating request falls due."""
        times = [
            await self.earliest_due(),
            await self.earliest_complaint_due(),
            await self.earliest_rating_due(),
        ]
        return min((t for t in times if t is not None), default=None)

    async def due_tickets(self, now: datetime, limit: int) -> list[Ticket]:
        """Return tickets whose next step is due, most overdue first."""
        self._write()
        due = [t for t in self._s.tickets.values() if t.next_due_at and t.next_due_at <= now]
        return sorted(due, key=lambda t: (t.next_due_at or now, t.id))[:limit]


class FakeStore:
    """A Store in memory: each transaction works on a copy that replaces the state on success."""

    def __init__(self, retailers: Iterable[Retailer] = (), clock: Clock | None = None) -> None:
        self._state = _State(retailers={r.id: r for r in retailers})
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
    def outbox(self) -> list[Posted]:
        """Return every outbox row, in order."""
        return self._state.outbox

    @property
    def posted(self) -> list[Notice]:
        """Return every notice posted, in order."""
        return [p.notice for p in self._state.outbox]

    @property
    def leaves(self) -> dict[str, Leave]:
        """Return the leaves by manager id."""
        return self._state.leaves

    @property
    def field_cases(self) -> FieldCases:
        """Return the ratings, complaints, supply requests, drafts and staff languages."""
        return self._state.field_cases

    @property
    def settled(self) -> set[tuple[str, int]]:
        """Return the (channel, update id) keys applied so far."""
        return self._state.settled

    @property
    def reports(self) -> set[tuple[str, str]]:
        """Return the (week, supervisor) reports claimed so far."""
        return self._state.reports

    def posted_to(self, person_id: str, kind: NoticeKind | None = None) -> list[Notice]:
        """Return the notices addressed to one person, optionally of one kind."""
        return [n for n in self.posted if n.to == person_id and (kind is None or n.kind is kind)]

    def events_of(self, kind: EventKind) -> list[Event]:
        """Return the events of one kind, in order."""
        return [e for e in self.events if e.kind is kind]

    def open_tickets(self) -> list[Ticket]:
        """Return the tickets still open."""
        return [t for t in self.tickets.values() if t.status is TicketStatus.OPEN]
