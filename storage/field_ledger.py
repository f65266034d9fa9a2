"""The Ledger's part for ratings, complaints, supply requests, the guide and languages."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Row, Select, Table, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from desk.complaints import Complaint, ComplaintMessage
from desk.content import HeldMessage
from desk.guide import DraftState, GuideDraft
from desk.notices import NoticeKind
from desk.people import Address
from desk.ratings import Rating
from desk.supply import SupplyRequest
from desk.tickets import TicketMessage
from storage import codec, field_codec
from storage.batch import Batch
from storage.dialects import upsert
from storage.tables import (
    complaint_messages,
    complaints,
    guide_drafts,
    held_messages,
    messages,
    outbox,
    ratings,
    retailers,
    staff_langs,
    supply_requests,
)


class Buffered(Protocol):
    """Rows appended in bulk later; a read of those tables flushes them first."""

    def add(self, table: Table, row: dict[str, Any]) -> None:
        """Queue one row for the next flush."""
        ...

    async def flush(self, conn: AsyncConnection, *tables: Table) -> None:
        """Insert the queued rows of the given tables."""
        ...


# Every message of a complaint thread carries its number, so a reply to any of them continues it.
COMPLAINT_KINDS = [
    kind.value
    for kind in (
        NoticeKind.COMPLAINT_ACK,
        NoticeKind.COMPLAINT,
        NoticeKind.COMPLAINT_NUDGE,
        NoticeKind.COMPLAINT_REPLY,
        NoticeKind.COMPLAINT_END,
    )
]


class FieldLedger:
    """SQL for the field cases, sharing the connection and buffers of the SqlLedger."""

    conn: AsyncConnection
    appends: Buffered
    due_set: datetime | None
    _batch: Batch
    _locking: bool

    def _note_due(self, due: datetime | None) -> None:
        """Remember the earliest due time written, so the alarm is re-armed after commit."""
        if due is not None and (self.due_set is None or due < self.due_set):
            self.due_set = due

    def _claim(self, query: Select[tuple[object, ...]]) -> Select[tuple[object, ...]]:
        # Workers on PostgreSQL skip rows another is busy with; SQLite has one writer anyway.
        return query.with_for_update(skip_locked=True) if self._locking else query

    async def expect(self, retailer_id: str, awaiting: str | None, until: datetime | None) -> None:
        """Remember what the desk waits for from a retailer next (None: nothing)."""
        await self.conn.execute(
            update(retailers)
            .where(retailers.c.id == retailer_id)
            .values(awaiting=awaiting, awaiting_until=until)
        )
        # The retailer read earlier in this group commit is stale now.
        self._batch.forget()

    async def set_retailer_lang(self, retailer_id: str, lang: str, *, chosen: bool) -> None:
        """Store a retailer's language; `chosen` when they picked it themselves."""
        await self.conn.execute(
            update(retailers)
            .where(retailers.c.id == retailer_id)
            .values(lang=lang, lang_chosen=chosen)
        )
        self._batch.forget()

    async def staff_langs(self) -> dict[str, str]:
        """Return the languages staff members picked in the chat, by staff id."""
        # Read once per unit of work, and shared with the language each staff notice is posted in.
        return dict(await self._batch.staff_langs(self.conn))

    async def set_staff_lang(self, staff_id: str, lang: str, at: datetime) -> None:
        """Store the language a staff member picked."""
        row = {"staff_id": staff_id, "lang": lang, "updated_at": at}
        await upsert(self.conn, staff_langs, [row], ["staff_id"])
        self._batch.forget()

    async def conversation(self, ticket_id: int) -> list[TicketMessage]:
        """Return a ticket's whole conversation, both sides, oldest first."""
        await self.appends.flush(self.conn, messages)
        query = select(messages).where(messages.c.ticket_id == ticket_id).order_by(messages.c.id)
        return [_message(row) for row in (await self.conn.execute(query)).all()]

    async def staff_message(self, address: Address, message_id: str) -> TicketMessage | None:
        """Return the staff answer that is this message of a staff member's own chat."""
        await self.appends.flush(self.conn, messages)
        query = select(messages).where(
            messages.c.from_retailer.is_(False),
            messages.c.channel == address.channel,
            messages.c.chat_id == address.chat,
            messages.c.message_id == message_id,
        )
        row = (await self.conn.execute(query)).first()
        return _message(row) if row else None

    async def rating(self, ticket_id: int) -> Rating | None:
        """Return a ticket's rating, asked for or given."""
        query = select(ratings).where(ratings.c.ticket_id == ticket_id)
        row = (await self.conn.execute(query)).first()
        return field_codec.rating_from_row(row) if row else None

    async def save_rating(self, rating: Rating) -> None:
        """Insert or update a ticket's rating."""
        await upsert(self.conn, ratings, [field_codec.rating_row(rating)], ["ticket_id"])
        if rating.asked_at is None:
            self._note_due(rating.due_at)

    async def due_ratings(self, now: datetime, limit: int) -> list[Rating]:
        """Claim ratings due to be asked for."""
        query = (
            select(ratings)
            .where(ratings.c.asked_at.is_(None), ratings.c.due_at <= now)
            .order_by(ratings.c.due_at)
            .limit(limit)
        )
        rows = (await self.conn.execute(self._claim(query))).all()
        return [field_codec.rating_from_row(row) for row in rows]

    async def earliest_rating_due(self) -> datetime | None:
        """Return when the next rating falls due to be asked for."""
        earliest: datetime | None = await self.conn.scalar(
            select(func.min(ratings.c.due_at)).where(ratings.c.asked_at.is_(None))
        )
        return earliest

    async def create_complaint(self, draft: Complaint) -> Complaint:
        """Insert a new complaint and return it with its number."""
        complaint_id = await self.conn.scalar(
            insert(complaints).values(field_codec.complaint_row(draft)).returning(complaints.c.id)
        )
        assert complaint_id is not None
        return draft.evolve(id=complaint_id)

    async def complaint(self, complaint_id: int) -> Complaint | None:
        """Return a complaint, locked for update."""
        query = select(complaints).where(complaints.c.id == complaint_id)
        return await self._one_complaint(query)

    async def open_complaint_of(self, retailer_id: str) -> Complaint | None:
        """Return the retailer's open complaint, locked for update."""
        query = (
            select(complaints)
            .where(complaints.c.retailer_id == retailer_id, complaints.c.closed_at.is_(None))
            .order_by(complaints.c.id.desc())
        )
        return await self._one_complaint(query)

    async def _one_complaint(self, query: Select[tuple[object, ...]]) -> Complaint | None:
        locked = query.with_for_update() if self._locking else query
        row = (await self.conn.execute(locked)).first()
        return field_codec.complaint_from_row(row) if row else None

    async def save_complaint(self, complaint: Complaint) -> None:
        """Write a complaint's changed state."""
        await self.conn.execute(
            update(complaints)
            .where(complaints.c.id == complaint.id)
            .values(field_codec.complaint_state(complaint))
        )
        self._note_due(complaint.next_due_at)

    async def add_complaint_message(self, message: ComplaintMessage) -> None:
        """Append a message to a complaint's conversation."""
        await self.conn.execute(
            insert(complaint_messages).values(field_codec.complaint_message_row(message))
        )

    async def complaint_messages(
        self, complaint_id: int, since: datetime
    ) -> list[ComplaintMessage]:
        """Return the retailer's messages of a complaint since a moment."""
        query = (
            select(complaint_messages)
            .where(
                complaint_messages.c.complaint_id == complaint_id,
                complaint_messages.c.from_retailer.is_(True),
                complaint_messages.c.at >= since,
            )
            .order_by(complaint_messages.c.id)
        )
        rows = (await self.conn.execute(query)).all()
        return [field_codec.complaint_message_from_row(row) for row in rows]

    async def complaint_of_message(self, address: Address, message_id: str) -> int | None:
        """Return the complaint a bot message in this chat belongs to."""
        await self.appends.flush(self.conn, outbox)
        row = (
            await self.conn.execute(
                select(outbox.c.kind, outbox.c.body).where(
                    outbox.c.channel == address.channel,
                    outbox.c.chat_id == address.chat,
                    outbox.c.message_id == message_id,
                )
            )
        ).first()
        if row is None or row.kind not in COMPLAINT_KINDS:
            return None
        return int(json.loads(row.body)["params"]["complaint"])

    async def hold(self, message: HeldMessage) -> None:
        """Keep a retailer's message back until they say who it is for."""
        await self.conn.execute(insert(held_messages).values(field_codec.held_row(message)))

    async def held_messages(self, retailer_id: str) -> list[HeldMessage]:
        """Return the retailer's held messages, oldest first."""
        query = (
            select(held_messages)
            .where(held_messages.c.retailer_id == retailer_id)
            .order_by(held_messages.c.id)
        )
        return [field_codec.held_from_row(row) for row in (await self.conn.execute(query)).all()]

    async def release_held(self, retailer_id: str) -> None:
        """Forget the retailer's held messages once they are taken where they belong."""
        await self.conn.execute(
            delete(held_messages).where(held_messages.c.retailer_id == retailer_id)
        )

    async def due_complaints(self, now: datetime, limit: int) -> list[Complaint]:
        """Claim open complaints whose next reminder is due."""
        query = (
            select(complaints)
            .where(complaints.c.next_due_at.is_not(None), complaints.c.next_due_at <= now)
            .order_by(complaints.c.next_due_at)
            .limit(limit)
        )
        rows = (await self.conn.execute(self._claim(query))).all()
        return [field_codec.complaint_from_row(row) for row in rows]

    async def earliest_complaint_due(self) -> datetime | None:
        """Return when the next complaint reminder falls due."""
        earliest: datetime | None = await self.conn.scalar(
            select(func.min(complaints.c.next_due_at))
        )
        return earliest

    async def create_supply(self, draft: SupplyRequest) -> SupplyRequest:
        """Insert a supply request and return it with its number."""
        request_id = await self.conn.scalar(
            insert(supply_requests)
            .values(field_codec.supply_row(draft))
            .returning(supply_requests.c.id)
        )
        assert request_id is not None
        return draft.evolve(id=request_id)

    async def supply(self, request_id: int) -> SupplyRequest | None:
        """Return a supply request."""
        query = select(supply_requests).where(supply_requests.c.id == request_id)
        row = (await self.conn.execute(query)).first()
        return field_codec.supply_from_row(row) if row else None

    async def save_supply(self, request: SupplyRequest) -> None:
        """Write how a supply request was answered."""
        await self.conn.execute(
            update(supply_requests)
            .where(supply_requests.c.id == request.id)
            .values(field_codec.supply_outcome(request))
        )

    async def create_draft(self, draft: GuideDraft) -> GuideDraft | None:
        """Insert a guide draft; None when that answer was saved before."""
        dialect = postgresql if self.conn.dialect.name == "postgresql" else sqlite
        statement = (
            dialect.insert(guide_drafts)
            .values(field_codec.draft_row(draft))
            .on_conflict_do_nothing(index_elements=["channel", "chat_id", "message_id"])
            .returning(guide_drafts.c.id)
        )
        draft_id = await self.conn.scalar(statement)
        return draft.evolve(id=draft_id) if draft_id is not None else None

    async def guide_draft(self, draft_id: int) -> GuideDraft | None:
        """Return a guide draft."""
        query = select(guide_drafts).where(guide_drafts.c.id == draft_id)
        row = (await self.conn.execute(query)).first()
        return field_codec.draft_from_row(row) if row else None

    async def save_draft(self, draft: GuideDraft) -> None:
        """Write a guide draft's decision and the question as approved."""
        await self.conn.execute(
            update(guide_drafts)
            .where(guide_drafts.c.id == draft.id)
            .values(
                question=draft.question,
                state=draft.state.value,
                decided_by=draft.decided_by,
                decided_at=draft.decided_at,
            )
        )

    async def approved_drafts(self) -> list[GuideDraft]:
        """Return the drafts approved into the library, oldest first."""
        query = (
            select(guide_drafts)
            .where(guide_drafts.c.state == DraftState.APPROVED.value)
            .order_by(guide_drafts.c.id)
        )
        return [field_codec.draft_from_row(row) for row in (await self.conn.execute(query)).all()]


def _message(row: Row[Any]) -> TicketMessage:
    m = row._mapping
    content = codec.content_from(m)
    return TicketMessage(m["ticket_id"], m["author_id"], bool(m["from_retailer"]), content, m["at"])
