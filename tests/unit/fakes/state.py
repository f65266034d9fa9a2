"""What the fake store keeps, by aggregate, and what each fake port works on."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from desk.clock import Clock
from desk.complaints import Complaint, ComplaintMessage
from desk.content import HeldMessage
from desk.guide import GuideDraft
from desk.notices import Notice
from desk.people import Leave, Retailer
from desk.ratings import Rating
from desk.supply import SupplyRequest
from desk.tickets import Event, Ticket, TicketMessage


@dataclass(frozen=True)
class Posted:
    """One outbox row: a notice and, once delivered, its message id in the recipient's chat."""

    notice: Notice
    message_id: str | None = None
    at: datetime | None = None
    not_before: datetime | None = None


@dataclass
class State:
    """Every aggregate's rows; values are frozen dataclasses, so copying containers copies all."""

    # People
    retailers: dict[str, Retailer] = field(default_factory=dict)
    staff_langs: dict[str, str] = field(default_factory=dict)
    # Tickets
    tickets: dict[int, Ticket] = field(default_factory=dict)
    messages: list[TicketMessage] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    leaves: dict[str, Leave] = field(default_factory=dict)
    last_ticket_id: int = 0
    # Complaints
    complaints: dict[int, Complaint] = field(default_factory=dict)
    complaint_messages: list[ComplaintMessage] = field(default_factory=list)
    held: list[HeldMessage] = field(default_factory=list)
    # Ratings, supply requests, guide drafts
    ratings: dict[int, Rating] = field(default_factory=dict)
    supply: dict[int, SupplyRequest] = field(default_factory=dict)
    drafts: dict[int, GuideDraft] = field(default_factory=dict)
    # Notices: the outbox, the updates settled, and when each week's summary was claimed
    outbox: list[Posted] = field(default_factory=list)
    settled: set[tuple[str, int]] = field(default_factory=set)
    reports: dict[tuple[str, str], datetime] = field(default_factory=dict)

    def clone(self) -> State:
        """Return a copy a unit of work may change without touching this one."""
        return replace(
            self,
            retailers=dict(self.retailers),
            staff_langs=dict(self.staff_langs),
            tickets=dict(self.tickets),
            messages=list(self.messages),
            events=list(self.events),
            leaves=dict(self.leaves),
            complaints=dict(self.complaints),
            complaint_messages=list(self.complaint_messages),
            held=list(self.held),
            ratings=dict(self.ratings),
            supply=dict(self.supply),
            drafts=dict(self.drafts),
            outbox=list(self.outbox),
            settled=set(self.settled),
            reports=dict(self.reports),
        )


class FakePart:
    """What each fake port shares inside one unit of work: the state copy and the clock."""

    def __init__(self, state: State, *, writable: bool = True, clock: Clock | None = None) -> None:
        self._s = state
        self._writable = writable
        self._clock = clock

    def _write(self) -> None:
        if not self._writable:
            raise RuntimeError("a write inside peek(): reads only there")
