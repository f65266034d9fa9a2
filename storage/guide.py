"""Guide drafts over SQL: staff answers proposed for the guide, and their review."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, select, update
from sqlalchemy.dialects import postgresql, sqlite

from desk.guide import DraftState, GuideDraft
from storage.tables import guide_drafts
from storage.unit import UnitPart


class SqlGuideDrafts(UnitPart):
    """Read and write guide drafts on the unit's connection."""

    async def create_draft(self, draft: GuideDraft) -> GuideDraft | None:
        """Insert a guide draft; None when that answer was saved before."""
        dialect = postgresql if self.conn.dialect.name == "postgresql" else sqlite
        statement = (
            dialect.insert(guide_drafts)
            .values(draft_row(draft))
            .on_conflict_do_nothing(index_elements=["channel", "chat_id", "message_id"])
            .returning(guide_drafts.c.id)
        )
        draft_id = await self.conn.scalar(statement)
        return draft.evolve(id=draft_id) if draft_id is not None else None

    async def guide_draft(self, draft_id: int) -> GuideDraft | None:
        """Return a guide draft."""
        query = select(guide_drafts).where(guide_drafts.c.id == draft_id)
        row = (await self.conn.execute(query)).first()
        return draft_from_row(row) if row else None

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
        return [draft_from_row(row) for row in (await self.conn.execute(query)).all()]


def draft_from_row(row: Row[Any]) -> GuideDraft:
    """Rebuild a guide draft from its row."""
    m = row._mapping
    return GuideDraft(
        id=m["id"],
        ticket_id=m["ticket_id"],
        author_id=m["author_id"],
        question=m["question"],
        answer=m["answer"],
        lang=m["lang"],
        created_at=m["created_at"],
        channel=m["channel"],
        chat=m["chat_id"],
        message_id=m["message_id"],
        state=DraftState(m["state"]),
        decided_by=m["decided_by"],
        decided_at=m["decided_at"],
    )


def draft_row(draft: GuideDraft) -> dict[str, Any]:
    """Return the columns of a new guide draft."""
    return {
        "ticket_id": draft.ticket_id,
        "author_id": draft.author_id,
        "question": draft.question,
        "answer": draft.answer,
        "lang": draft.lang,
        "state": draft.state.value,
        "created_at": draft.created_at,
        "channel": draft.channel,
        "chat_id": draft.chat,
        "message_id": draft.message_id,
        "decided_by": draft.decided_by,
        "decided_at": draft.decided_at,
    }
