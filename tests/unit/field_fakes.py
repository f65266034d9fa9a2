"""The fake ledger's part for ratings, complaints, supply requests, the guide and languages."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from desk.complaints import Complaint, ComplaintMessage
from desk.content import HeldMessage
from desk.guide import DraftState, GuideDraft
from desk.notices import NoticeKind
from desk.people import Address
from desk.ratings import Rating
from desk.supply import SupplyRequest
from desk.tickets import TicketMessage

COMPLAINT_KINDS = {
    NoticeKind.COMPLAINT_ACK,
    NoticeKind.COMPLAINT,
    NoticeKind.COMPLAINT_NUDGE,
    NoticeKind.COMPLAINT_REPLY,
    NoticeKind.COMPLAINT_END,
}


@dataclass
class FieldCases:
    """What the field cases keep, beside tickets."""

    ratings: dict[int, Rating] = field(default_factory=dict)
    complaints: dict[int, Complaint] = field(default_factory=dict)
    complaint_messages: list[ComplaintMessage] = field(default_factory=list)
    supply: dict[int, SupplyRequest] = field(default_factory=dict)
    drafts: dict[int, GuideDraft] = field(default_factory=dict)
    staff_langs: dict[str, str] = field(default_factory=dict)
    held: list[HeldMessage] = field(default_factory=list)

    def clone(self) -> FieldCases:
        # Values are frozen dataclasses: copying the containers copies everything.
        return FieldCases(
            dict(self.ratings),
            dict(self.complaints),
            list(self.complaint_messages),
            dict(self.supply),
            dict(self.drafts),
            dict(self.staff_langs),
            list(self.held),
        )


class FakeFieldLedger:
    """Ledger methods of the field cases, over the fake state."""

    _s: Any

    def _write(self) -> None:
        raise NotImplementedError

    @property
    def _cases(self) -> FieldCases:
        cases: FieldCases = self._s.field_cases
        return cases

    async def expect(self, retailer_id: str, awaiting: str | None, until: datetime | None) -> None:
        """Remember what the desk waits for from a retailer next."""
        self._write()
        found = self._s.retailers[retailer_id]
        self._s.retailers[retailer_id] = replace(found, awaiting=awaiting, awaiting_until=until)

    async def set_retailer_lang(self, retailer_id: str, lang: str, *, chosen: bool) -> None:
        """Store a retailer's language."""
        self._write()
        found = self._s.retailers[retailer_id]
        self._s.retailers[retailer_id] = replace(found, lang=lang, lang_chosen=chosen)

    async def staff_langs(self) -> dict[str, str]:
        """Return the languages staff picked."""
        return dict(self._cases.staff_langs)

    async def set_staff_lang(self, staff_id: str, lang: str, at: datetime) -> None:
        """Store the language a staff member picked."""
        self._write()
        self._cases.staff_langs[staff_id] = lang

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

    async def rating(self, ticket_id: int) -> Rating | None:
        """Return a ticket's rating."""
        return self._cases.ratings.get(ticket_id)

    async def save_rating(self, rating: Rating) -> None:
        """Insert or update a ticket's rating."""
        self._write()
        self._cases.ratings[rating.ticket_id] = rating

    async def due_ratings(self, now: datetime, limit: int) -> list[Rating]:
        """Return ratings due to be asked for, earliest first."""
        self._write()
        due = [
            r
            for r in self._cases.ratings.values()
            if r.asked_at is None and r.due_at is not None and r.due_at <= now
        ]
        return sorted(due, key=lambda r: (r.due_at or now, r.ticket_id))[:limit]

    async def earliest_rating_due(self) -> datetime | None:
        """Return when the next rating falls due."""
        times = [r.due_at for r in self._cases.ratings.values() if r.asked_at is None and r.due_at]
        return min(times, default=None)

    async def create_complaint(self, draft: Complaint) -> Complaint:
        """Insert a complaint and number it."""
        self._write()
        complaint = draft.evolve(id=len(self._cases.complaints) + 1)
        self._cases.complaints[complaint.id] = complaint
        return complaint

    async def complaint(self, complaint_id: int) -> Complaint | None:
        """Return a complaint."""
        return self._cases.complaints.get(complaint_id)

    async def open_complaint_of(self, retailer_id: str) -> Complaint | None:
        """Return the retailer's open complaint."""
        mine = [
            c for c in self._cases.complaints.values() if c.retailer_id == retailer_id and c.is_open
        ]
        return max(mine, key=lambda c: c.id, default=None)

    async def save_complaint(self, complaint: Complaint) -> None:
        """Write a complaint's changed state."""
        self._write()
        if complaint.id in self._cases.complaints:
            self._cases.complaints[complaint.id] = complaint

    async def add_complaint_message(self, message: ComplaintMessage) -> None:
        """Append a message to a complaint."""
        self._write()
        self._cases.complaint_messages.append(message)

    async def complaint_messages(
        self, complaint_id: int, since: datetime
    ) -> list[ComplaintMessage]:
        """Return the retailer's messages of a complaint since a moment."""
        return [
            m
            for m in self._cases.complaint_messages
            if m.complaint_id == complaint_id and m.from_retailer and m.at >= since
        ]

    async def complaint_of_message(self, address: Address, message_id: str) -> int | None:
        """Return the complaint a delivered bot message belongs to."""
        for posted in self._s.outbox:
            notice = posted.notice
            if notice.address == address and posted.message_id == message_id:
                return int(notice.params["complaint"]) if notice.kind in COMPLAINT_KINDS else None
        return None

    async def hold(self, message: HeldMessage) -> None:
        """Keep a retailer's message back."""
        self._write()
        self._cases.held.append(message)

    async def held_messages(self, retailer_id: str) -> list[HeldMessage]:
        """Return the retailer's held messages, oldest first."""
        return [m for m in self._cases.held if m.retailer_id == retailer_id]

    async def release_held(self, retailer_id: str) -> None:
        """Forget the retailer's held messages."""
        self._write()
        self._cases.held = [m for m in self._cases.held if m.retailer_id != retailer_id]

    async def due_complaints(self, now: datetime, limit: int) -> list[Complaint]:
        """Return complaints whose reminder is due."""
        self._write()
        due = [c for c in self._cases.complaints.values() if c.next_due_at and c.next_due_at <= now]
        return sorted(due, key=lambda c: (c.next_due_at or now, c.id))[:limit]

    async def earliest_complaint_due(self) -> datetime | None:
        """Return when the next complaint reminder falls due."""
        times = [c.next_due_at for c in self._cases.complaints.values() if c.next_due_at]
        return min(times, default=None)

    async def create_supply(self, draft: SupplyRequest) -> SupplyRequest:
        """Insert a supply request and number it."""
        self._write()
        request = draft.evolve(id=len(self._cases.supply) + 1)
        self._cases.supply[request.id] = request
        return request

    async def supply(self, request_id: int) -> SupplyRequest | None:
        """Return a supply request."""
        return self._cases.supply.get(request_id)

    async def save_supply(self, request: SupplyRequest) -> None:
        """Write how a supply request was answered."""
        self._write()
        self._cases.supply[request.id] = request

    async def create_draft(self, draft: GuideDraft) -> GuideDraft | None:
        """Insert a draft; None when that message was saved before."""
        self._write()
        if any(
            (d.channel, d.chat, d.message_id) == (draft.channel, draft.chat, draft.message_id)
            for d in self._cases.drafts.values()
        ):
            return None
        saved = draft.evolve(id=len(self._cases.drafts) + 1)
        self._cases.drafts[saved.id] = saved
        return saved

    async def guide_draft(self, draft_id: int) -> GuideDraft | None:
        """Return a draft."""
        return self._cases.drafts.get(draft_id)

    async def save_draft(self, draft: GuideDraft) -> None:
        """Write a draft's decision."""
        self._write()
        self._cases.drafts[draft.id] = draft

    async def approved_drafts(self) -> list[GuideDraft]:
        """Return the approved drafts, oldest first."""
        return [d for d in self._cases.drafts.values() if d.state is DraftState.APPROVED]
