"""The GuideDrafts port in memory: answers proposed for the guide and their review."""

from __future__ import annotations

from dataclasses import replace

from desk.guide import DraftState, GuideDraft
from tests.unit.fakes.state import FakePart


class FakeGuideDrafts(FakePart):
    """Guide drafts over the fake state."""

    async def create_draft(self, draft: GuideDraft) -> GuideDraft | None:
        """Insert a draft; None when that message was saved before."""
        self._write()
        if any(
            (d.channel, d.chat, d.message_id) == (draft.channel, draft.chat, draft.message_id)
            for d in self._s.drafts.values()
        ):
            return None
        saved = draft.evolve(id=len(self._s.drafts) + 1)
        self._s.drafts[saved.id] = saved
        return saved

    async def guide_draft(self, draft_id: int) -> GuideDraft | None:
        """Return a draft."""
        return self._s.drafts.get(draft_id)

    async def save_draft(self, draft: GuideDraft) -> None:
        """Write a draft's decision and the question as approved; the answer stays as saved."""
        self._write()
        stored = self._s.drafts.get(draft.id)
        if stored is not None:
            self._s.drafts[draft.id] = replace(
                stored,
                question=draft.question,
                state=draft.state,
                decided_by=draft.decided_by,
                decided_at=draft.decided_at,
            )

    async def approved_drafts(self) -> list[GuideDraft]:
        """Return the approved drafts, oldest first."""
        return [d for d in self._s.drafts.values() if d.state is DraftState.APPROVED]
