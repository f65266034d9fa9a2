"""Complaints over SQL: complaints, their conversations, and messages held for the retailer."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, delete, func, insert, select, update

from desk.complaints import Complaint, ComplaintMessage, ComplaintPolicy
from desk.content import HeldMessage
from storage import codec
from storage.tables import complaint_messages, complaints, held_messages
from storage.unit import UnitPart

COMPLAINT_STATE = (
    "closed_at",
    "waiting_since",
    "last_step",
    "last_fired_at",
    "next_due_at",
    "first_response_at",
)


class SqlComplaints(UnitPart):
    """Read and write complaints and held messages on the unit's connection."""

    async def create_complaint(self, draft: Complaint) -> Complaint:
        """Insert a new complaint and return it with its number."""
        complaint_id = await self.conn.scalar(
            insert(complaints).values(complaint_row(draft)).returning(complaints.c.id)
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
        return complaint_from_row(row) if row else None

    async def save_complaint(self, complaint: Complaint) -> None:
        """Write a complaint's changed state."""
        await self.conn.execute(
            update(complaints)
            .where(complaints.c.id == complaint.id)
            .values(complaint_state(complaint))
        )
        self._note_due(complaint.next_due_at)

    async def add_complaint_message(self, message: ComplaintMessage) -> None:
        """Append a message to a complaint's conversation."""
        await self.conn.execute(insert(complaint_messages).values(complaint_message_row(message)))

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
        return [complaint_message_from_row(row) for row in rows]

    async def due_complaints(self, now: datetime, limit: int) -> list[Complaint]:
        """Claim open complaints whose next reminder is due."""
        query = (
            select(complaints)
            .where(complaints.c.next_due_at.is_not(None), complaints.c.next_due_at <= now)
            .order_by(complaints.c.next_due_at)
            .limit(limit)
        )
        rows = (await self.conn.execute(self._claim(query))).all()
        return [complaint_from_row(row) for row in rows]

    async def earliest_complaint_due(self) -> datetime | None:
        """Return when the next complaint reminder falls due."""
        earliest: datetime | None = await self.conn.scalar(
            select(func.min(complaints.c.next_due_at))
        )
        return earliest

    async def hold(self, message: HeldMessage) -> None:
        """Keep a retailer's message back until they say who it is for."""
        await self.conn.execute(insert(held_messages).values(held_row(message)))

    async def held_messages(self, retailer_id: str) -> list[HeldMessage]:
        """Return the retailer's held messages, oldest first."""
        query = (
            select(held_messages)
            .where(held_messages.c.retailer_id == retailer_id)
            .order_by(held_messages.c.id)
        )
        return [held_from_row(row) for row in (await self.conn.execute(query)).all()]

    async def release_held(self, retailer_id: str) -> None:
        """Forget the retailer's held messages once they are taken where they belong."""
        await self.conn.execute(
            delete(held_messages).where(held_messages.c.retailer_id == retailer_id)
        )


def complaint_from_row(row: Row[Any]) -> Complaint:
    """Rebuild a complaint from its row."""
    m = row._mapping
    return Complaint(
        id=m["id"],
        retailer_id=m["retailer_id"],
        manager_id=m["manager_id"],
        supervisor_id=m["supervisor_id"],
        opened_at=m["opened_at"],
        policy=ComplaintPolicy.from_snapshot(json.loads(m["policy"])),
        **{name: m[name] for name in COMPLAINT_STATE},
    )


def complaint_row(complaint: Complaint) -> dict[str, Any]:
    """Return the columns of a new complaint."""
    return {
        "retailer_id": complaint.retailer_id,
        "manager_id": complaint.manager_id,
        "supervisor_id": complaint.supervisor_id,
        "opened_at": complaint.opened_at,
        "policy": json.dumps(complaint.policy.snapshot()),
        **complaint_state(complaint),
    }


def complaint_state(complaint: Complaint) -> dict[str, Any]:
    """Return the columns a complaint's state change writes."""
    return {name: getattr(complaint, name) for name in COMPLAINT_STATE}


def complaint_message_row(message: ComplaintMessage) -> dict[str, Any]:
    """Return the columns of one complaint message."""
    return {
        "complaint_id": message.complaint_id,
        "author_id": message.author_id,
        "from_retailer": message.from_retailer,
        **codec.content_values(message.content),
        "at": message.at,
    }


def complaint_message_from_row(row: Row[Any]) -> ComplaintMessage:
    """Rebuild a complaint message from its row."""
    m = row._mapping
    content = codec.content_from(m)
    return ComplaintMessage(
        m["complaint_id"], m["author_id"], bool(m["from_retailer"]), content, m["at"]
    )


def held_row(message: HeldMessage) -> dict[str, Any]:
    """Return the columns of one held message."""
    content = codec.content_values(message.content)
    return {"retailer_id": message.retailer_id, **content, "at": message.at}


def held_from_row(row: Row[Any]) -> HeldMessage:
    """Rebuild a held message from its row."""
    m = row._mapping
    return HeldMessage(m["retailer_id"], codec.content_from(m), m["at"])
