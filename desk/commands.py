"""What people ask the desk to do, as the channel adapters hand it over."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from desk.content import Content
from desk.people import Address


@dataclass(frozen=True)
class Inbound:
    """Which channel update a command came from, so it is applied once."""

    channel: str
    update_id: int


@dataclass(frozen=True)
class Ask:
    """A retailer sends a message."""

    address: Address
    content: Content
    source: Inbound | None = None


@dataclass(frozen=True)
class Answer:
    """A staff member replies to a bot message of a ticket."""

    staff_id: str
    address: Address
    reply_to: str
    content: Content
    source: Inbound | None = None


@dataclass(frozen=True)
class AnswerTicket:
    """A staff member answers a ticket by its number, where the channel has no replies."""

    staff_id: str
    ticket_id: int
    content: Content
    source: Inbound | None = None


@dataclass(frozen=True)
class AnswerComplaint:
    """A supervisor answers a complaint by its number, where the channel has no replies."""

    staff_id: str
    complaint_id: int
    content: Content
    source: Inbound | None = None


@dataclass(frozen=True)
class OnIt:
    """The assigned manager promises an answer within some minutes."""

    staff_id: str
    ticket_id: int
    minutes: int
    source: Inbound | None = None


@dataclass(frozen=True)
class Resolve:
    """The assigned manager closes a ticket."""

    staff_id: str
    ticket_id: int
    source: Inbound | None = None


@dataclass(frozen=True)
class ShareContact:
    """Someone shares a phone number to link their chat to the roster."""

    address: Address
    phone: str
    contact_user_id: str | None
    sender_id: str
    lang: str = "zh"
    source: Inbound | None = None


@dataclass(frozen=True)
class MoveLink:
    """A manager confirms that a retailer's link moves to the chat that shared their phone."""

    staff_id: str
    address: Address
    message_id: str
    chat: str
    source: Inbound | None = None


@dataclass(frozen=True)
class Away:
    """A manager hands over to a named colleague until a date."""

    manager_id: str
    until: datetime
    covering_id: str


@dataclass(frozen=True)
class Nudge:
    """A supervisor reminds a ticket's assignee now."""

    staff_id: str
    ticket_id: int


@dataclass(frozen=True)
class Reassign:
    """A supervisor hands a ticket to another manager, with a reason."""

    staff_id: str
    ticket_id: int
    manager_id: str
    reason: str


class Outcome(StrEnum):
    """How a command ended, for the adapter to tell the person."""

    DONE = "done"
    REPEATED = "repeated"
    UNKNOWN_SENDER = "unknown_sender"
    NOT_A_TICKET = "not_a_ticket"
    NO_CHAT = "no_chat"
    NOT_YOURS = "not_yours"
    CLOSED = "closed"
    ANSWER_CLOSED = "answer.closed"
    MOVED = "answer.moved"
    NOTHING_WAITING = "nothing_waiting"
    NOT_OWN_CONTACT = "not_own_contact"
    UNKNOWN_PHONE = "unknown_phone"
    ALREADY_LINKED = "already_linked"
    LINK_CHANGED = "link_changed"
    BAD_COLLEAGUE = "bad_colleague"
    BAD_DATE = "bad_date"
    NOT_AWAY = "not_away"
    NOT_ASKED = "not_asked"
    ALREADY_RATED = "already_rated"
    NO_SUPERVISOR = "no_supervisor"
    BAD_ORDER = "bad_order"
    NO_ENTRY = "no_entry"
    NOT_AN_ANSWER = "not_an_answer"
    ALREADY_SAVED = "already_saved"
    DECIDED = "decided"
    TOO_LONG = "too_long"
    # The message went into the retailer's confidential complaint, not to their manager.
    CONFIDENTIAL = "confidential"
    # The message waits for the retailer to say whether it is for the supervisor or the manager.
    HELD = "held"
    CHOOSE_FIRST = "choose_first"
    IN_COMPLAINT = "in_complaint"
    NEEDS_WORDING = "guide.needs_wording"
    # The message was what the desk had asked the retailer for: an order, or a rating's comment.
    AWAITED = "awaited"
    TEXT_ONLY = "comment.text_only"
    # The assignee was nudged about this ticket moments ago; nothing was sent again.
    NUDGED_RECENTLY = "nudge.recent"
    NOT_IN_TEAM = "reassign.not_in_team"
    SAME_MANAGER = "reassign.same"
    MANAGER_AWAY = "reassign.away"
    NO_REASON = "reassign.no_reason"
    LONG_REASON = "reassign.long_reason"
