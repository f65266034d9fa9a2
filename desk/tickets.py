"""Tickets, their messages and the events that make up their history."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from desk.content import Content
from desk.policy import Policy


class TicketStatus(StrEnum):
    """Where a ticket stands."""

    OPEN = "open"
    RESOLVED = "resolved"


class EventKind(StrEnum):
    """What can happen to a ticket; reports are built from these."""

    OPENED = "opened"
    ASKED = "asked"
    ANSWERED = "answered"
    ON_IT = "on_it"
    ETA_BROKEN = "eta_broken"
    ESCALATED = "escalated"
    UNREACHABLE = "unreachable"
    RESOLVED = "resolved"
    HANDOVER = "handover"
    # A supervisor reminded the assignee now (actor: the supervisor, target: the assignee).
    NUDGED = "nudged"
    # A supervisor handed the ticket to another manager (detail: from whom, and why).
    REASSIGNED = "reassigned"
    # The ladder could not process the ticket; it was set aside with the error's class.
    STUCK = "stuck"


@dataclass(frozen=True)
class Ticket:
    """One retailer's open question and the state of its SLA clock."""

    id: int
    retailer_id: str
    manager_id: str
    home_manager_id: str
    opened_at: datetime
    policy: Policy
    off_hours: bool = False
    status: TicketStatus = TicketStatus.OPEN
    waiting_since: datetime | None = None
    # When a supervisor last handed the ticket to another manager: the ladder climbs afresh for
    # them from then, while the retailer's wait still counts from waiting_since.
    reassigned_at: datetime | None = None
    round: int = 0
    last_step: int = -1
    last_fired_at: datetime | None = None
    next_due_at: datetime | None = None
    eta_until: datetime | None = None
    hurry_at: datetime | None = None
    first_response_at: datetime | None = None
    acknowledged_at: datetime | None = None
    resolved_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        """Say whether the ticket still takes messages and escalates."""
        return self.status is TicketStatus.OPEN

    def evolve(self, **changes: Any) -> Ticket:
        """Return a copy with some fields changed."""
        return replace(self, **changes)


@dataclass(frozen=True)
class TicketMessage:
    """One message in a ticket's conversation, from either side."""

    ticket_id: int
    author_id: str
    from_retailer: bool
    content: Content
    at: datetime


@dataclass(frozen=True)
class Event:
    """A fact about a ticket: who did what, when, and how long it took."""

    ticket_id: int
    kind: EventKind
    at: datetime
    actor: str | None = None
    target: str | None = None
    step: int | None = None
    seconds: float | None = None
    round: int | None = None
    delivered: bool | None = None
    detail: dict[str, Any] = field(default_factory=dict)
