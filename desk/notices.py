"""Outbound messages as the desk decides them, before any channel renders them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from desk.content import Content
from desk.people import Address


class NoticeKind(StrEnum):
    """What an outbound message is for; each has a text in every language catalog."""

    ACK = "ack"
    QUESTION = "question"
    FOLLOWUP = "followup"
    ANSWER = "answer"
    ETA = "eta"
    RESOLVED = "resolved"
    REMINDER = "reminder"
    ESCALATION = "escalation"
    HANDOVER = "handover"
    # A supervisor asks the assignee to answer a waiting ticket now.
    NUDGE = "nudge"
    # A supervisor handed a waiting ticket over: to its new manager, with the question; to the
    # manager it was taken from, with the reason; to the retailer, naming who handles it now.
    REASSIGNED = "reassigned"
    REASSIGNED_AWAY = "reassigned_away"
    MANAGER_CHANGED = "manager_changed"
    REPORT = "report"
    WELCOME = "welcome"
    LINK_TRIED = "link_tried"
    LINK_CLAIMED = "link_claimed"
    LINK_MOVED = "link_moved"
    LINK_LEFT = "link_left"
    SLOW_DOWN = "slow_down"
    PROMPT = "prompt"
    RATE_ASK = "rate_ask"
    RATED = "rated"
    LOW_RATING = "low_rating"
    COMPLAINT_ACK = "complaint_ack"
    COMPLAINT = "complaint"
    COMPLAINT_NUDGE = "complaint_nudge"
    COMPLAINT_REPLY = "complaint_reply"
    COMPLAINT_END = "complaint_end"
    COMPLAINT_CHOICE = "complaint_choice"
    COMPLAINT_LEFT = "complaint_left"
    SUPPLY_ACK = "supply_ack"
    SUPPLY = "supply"
    SUPPLY_ANSWER = "supply_answer"
    GUIDE_SUGGEST = "guide_suggest"
    GUIDE_DRAFT = "guide_draft"
    GUIDE_ADDED = "guide_added"
    # A message to a retailer waits: their chat app lets the desk write only for a while after
    # they last wrote. The staff member hears of it at once.
    DELIVERY_HELD = "delivery_held"
    # A word the channel itself has for someone, written out already: params["text"], and
    # params["about"] naming the catalog text it came from.
    NOTE = "note"


@dataclass(frozen=True)
class Button:
    """An inline button: a catalog key for its label and id-only callback data."""

    label: str
    data: str


@dataclass(frozen=True)
class Attachment:
    """A file sent with a notice: a chart as a photo, or a table as a document."""

    filename: str
    data: bytes
    as_photo: bool = False


@dataclass(frozen=True)
class Notice:
    """One message to one person, stored in the outbox until delivered."""

    to: str
    address: Address
    kind: NoticeKind
    lang: str
    params: dict[str, Any] = field(default_factory=dict)
    ticket_id: int | None = None
    step: int | None = None
    copy_of: Content | None = None
    buttons: tuple[Button, ...] = ()
    attachment: Attachment | None = None


@dataclass(frozen=True)
class Queued:
    """A notice already in the outbox, as the desk sees it when deciding what to send next."""

    id: int
    notice: Notice
    not_before: datetime
    sent_at: datetime | None = None
    untried: bool = False

    @property
    def reached_at(self) -> datetime:
        """Return when the recipient heard, or at the earliest will hear, of this notice."""
        return self.sent_at or self.not_before
