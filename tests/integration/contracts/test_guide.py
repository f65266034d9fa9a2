"""The GuideDrafts contract: the fake and the SQL store keep guide drafts alike."""

from __future__ import annotations

from datetime import timedelta

from desk.guide import DraftState, GuideDraft
from desk.policy import Policy
from desk.tickets import Ticket
from tests.integration.contracts.conftest import T0, Backend


async def a_draft(backend: Backend, message_id: str = "8") -> GuideDraft:
    """Return an unsaved draft of a manager's answer on a new ticket."""
    async with backend.store.transaction() as ledger:
        ticket = await ledger.create_ticket(Ticket(0, "r1", "m1", "m1", T0, Policy(())))
    return GuideDraft(
        0, ticket.id, "m1", "烟怎么防潮？", "放除湿盒", "zh", T0, "telegram", "5001", message_id
    )


async def test_a_draft_is_saved_once_per_staff_message(backend: Backend) -> None:
    draft = await a_draft(backend)
    async with backend.store.transaction() as ledger:
        saved = await ledger.create_draft(draft)
        again = await ledger.create_draft(draft.evolve(answer="别的"))
        # The same message id in another chat, or on another channel, is another message.
        elsewhere = await ledger.create_draft(draft.evolve(chat="5002"))
        other_channel = await ledger.create_draft(draft.evolve(channel="wecom"))
    async with backend.store.peek() as ledger:
        stored = await ledger.guide_draft(saved.id) if saved else None
        missing = await ledger.guide_draft(999)
    assert saved == draft.evolve(id=saved.id if saved else 0)
    assert again is None
    assert elsewhere is not None and other_channel is not None
    assert len({saved.id if saved else 0, elsewhere.id, other_channel.id}) == 3
    assert (stored, missing) == (saved, None)


async def test_approved_drafts_are_the_library_oldest_first(backend: Backend) -> None:
    first, second, third = [await a_draft(backend, str(n)) for n in (1, 2, 3)]
    async with backend.store.transaction() as ledger:
        saved = [await ledger.create_draft(d) for d in (first, second, third)]
    one, two, three = (d for d in saved if d is not None)
    decided = T0 + timedelta(hours=1)
    async with backend.store.transaction() as ledger:
        assert await ledger.approved_drafts() == []
        await ledger.save_draft(three.evolve(state=DraftState.APPROVED, decided_by="s1"))
        await ledger.save_draft(two.evolve(state=DraftState.REJECTED, decided_by="s1"))
        await ledger.save_draft(
            one.evolve(state=DraftState.APPROVED, decided_by="s1", decided_at=decided)
        )
    async with backend.store.peek() as ledger:
        approved = await ledger.approved_drafts()
    assert approved == [
        one.evolve(state=DraftState.APPROVED, decided_by="s1", decided_at=decided),
        three.evolve(state=DraftState.APPROVED, decided_by="s1"),
    ]


async def test_saving_writes_the_decision_and_question_never_the_answer(backend: Backend) -> None:
    draft = await a_draft(backend)
    async with backend.store.transaction() as ledger:
        saved = await ledger.create_draft(draft)
    assert saved is not None
    edited = saved.evolve(question="香烟如何防潮", answer="改过的", state=DraftState.APPROVED)
    async with backend.store.transaction() as ledger:
        await ledger.save_draft(edited)
        # Like an UPDATE, saving a draft that was never created creates nothing.
        await ledger.save_draft(edited.evolve(id=saved.id + 100))
    async with backend.store.peek() as ledger:
        stored = await ledger.guide_draft(saved.id)
        ghost = await ledger.guide_draft(saved.id + 100)
    assert stored == saved.evolve(question="香烟如何防潮", state=DraftState.APPROVED)
    assert ghost is None
