"""The Complaints contract: the fake and the SQL store keep complaints and held messages alike."""

from __future__ import annotations

from datetime import timedelta

from desk.complaints import Complaint, ComplaintMessage, ComplaintPolicy, ComplaintStep
from desk.content import Content, ContentKind, HeldMessage
from desk.people import Address
from tests.integration.contracts.conftest import T0, Backend

POLICY = ComplaintPolicy(
    (ComplaintStep(timedelta(hours=2)), ComplaintStep(timedelta(hours=8), True))
)


def a_complaint(retailer_id: str = "r1", **changes: object) -> Complaint:
    """Return an unsaved complaint, waiting since T0."""
    return Complaint(0, retailer_id, "m1", "s1", T0, POLICY, waiting_since=T0).evolve(**changes)


def text(words: str, chat: str | None = None, message: str | None = None) -> Content:
    """Return text content, from a chat when given."""
    origin = Address("telegram", chat) if chat else None
    return Content(ContentKind.TEXT, words, origin, message)


async def test_a_complaint_round_trips_and_its_reminder_comes_due(backend: Backend) -> None:
    async with backend.store.transaction() as ledger:
        complaint = await ledger.create_complaint(a_complaint())
        complaint = complaint.evolve(next_due_at=T0 + timedelta(hours=2))
        await ledger.save_complaint(complaint)
    async with backend.store.transaction() as ledger:
        assert await ledger.open_complaint_of("r1") == complaint
        assert await ledger.open_complaint_of("r2") is None
        assert await ledger.complaint(complaint.id) == complaint
        assert await ledger.complaint(complaint.id + 1) is None
        assert await ledger.earliest_complaint_due() == T0 + timedelta(hours=2)
        assert await ledger.due_complaints(T0 + timedelta(hours=1), 10) == []
        assert await ledger.due_complaints(T0 + timedelta(hours=2), 10) == [complaint]
        await ledger.save_complaint(complaint.evolve(closed_at=T0, next_due_at=None))
    async with backend.store.peek() as ledger:
        assert await ledger.open_complaint_of("r1") is None
        assert await ledger.earliest_complaint_due() is None
        assert await ledger.complaint(complaint.id) == complaint.evolve(
            closed_at=T0, next_due_at=None
        )


async def test_saving_writes_a_complaints_state_and_never_who_it_is_about(
    backend: Backend,
) -> None:
    async with backend.store.transaction() as ledger:
        complaint = await ledger.create_complaint(a_complaint())
    moved = complaint.evolve(manager_id="m2", supervisor_id=None, last_step=0, first_response_at=T0)
    async with backend.store.transaction() as ledger:
        await ledger.save_complaint(moved)
        # Like an UPDATE, saving a complaint that was never created creates nothing.
        await ledger.save_complaint(moved.evolve(id=complaint.id + 100))
    async with backend.store.peek() as ledger:
        stored = await ledger.complaint(complaint.id)
        ghost = await ledger.complaint(complaint.id + 100)
    assert stored == moved.evolve(manager_id="m1", supervisor_id="s1")
    assert ghost is None


async def test_the_open_complaint_is_the_newest_open_one(backend: Backend) -> None:
    async with backend.store.transaction() as ledger:
        first = await ledger.create_complaint(a_complaint())
        second = await ledger.create_complaint(a_complaint())
        await ledger.save_complaint(second.evolve(closed_at=T0))
        third = await ledger.create_complaint(a_complaint())
    async with backend.store.peek() as ledger:
        newest = await ledger.open_complaint_of("r1")
    assert first.id < second.id < third.id
    assert newest == third


async def test_due_complaints_come_most_overdue_first_up_to_the_limit(backend: Backend) -> None:
    async with backend.store.transaction() as ledger:
        made = [await ledger.create_complaint(a_complaint()) for _ in range(3)]
        for complaint, hours in zip(made, (3, 1, 2), strict=True):
            await ledger.save_complaint(complaint.evolve(next_due_at=T0 + timedelta(hours=hours)))
    async with backend.store.transaction() as ledger:
        due = await ledger.due_complaints(T0 + timedelta(hours=5), 2)
    assert [c.id for c in due] == [made[1].id, made[2].id]


async def test_complaint_messages_are_the_retailers_since_a_moment(backend: Backend) -> None:
    async with backend.store.transaction() as ledger:
        complaint = await ledger.create_complaint(a_complaint())
        other = await ledger.create_complaint(a_complaint("r2"))
        early = ComplaintMessage(
            complaint.id, "r1", True, text("早", "9001", "40"), T0 - timedelta(minutes=1)
        )
        said = ComplaintMessage(complaint.id, "r1", True, text("经理态度很差", "9001", "41"), T0)
        reply = ComplaintMessage(complaint.id, "s1", False, text("已了解"), T0)
        elsewhere = ComplaintMessage(other.id, "r2", True, text("?"), T0)
        for message in (early, said, reply, elsewhere):
            await ledger.add_complaint_message(message)
    async with backend.store.peek() as ledger:
        since = await ledger.complaint_messages(complaint.id, T0)
    assert since == [said]


async def test_held_messages_wait_per_retailer_until_released(backend: Backend) -> None:
    first = HeldMessage("r1", text("在吗", "9001", "50"), T0)
    second = HeldMessage(
        "r1", Content(ContentKind.PHOTO, "", Address("telegram", "9001"), "51"), T0
    )
    theirs = HeldMessage("r2", text("你好"), T0)
    async with backend.store.transaction() as ledger:
        for message in (first, second, theirs):
            await ledger.hold(message)
    async with backend.store.transaction() as ledger:
        held = await ledger.held_messages("r1")
        await ledger.release_held("r1")
    async with backend.store.peek() as ledger:
        released = await ledger.held_messages("r1")
        kept = await ledger.held_messages("r2")
    assert held == [first, second]
    assert (released, kept) == ([], [theirs])
