"""The field cases' part of the store, on SQLite and (where configured) PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert

from desk.complaints import Complaint, ComplaintMessage, ComplaintPolicy, ComplaintStep
from desk.content import Content, ContentKind
from desk.guide import DraftState, GuideDraft
from desk.notices import Notice, NoticeKind
from desk.people import Address
from desk.policy import EscalationStep, Notify, Policy
from desk.ratings import Rating
from desk.supply import OrderLine, RefusalReason, SupplyOutcome, SupplyRequest
from desk.tickets import Ticket, TicketMessage
from storage.outbox import Outbox, Settled
from storage.store import SqlStore
from storage.tables import contacts, retailers
from tests.databases import BACKENDS, migrated_engine

T0 = datetime(2026, 11, 26, 19, 0, tzinfo=UTC)
R1_CHAT = Address("telegram", "9001")
S1_CHAT = Address("telegram", "7001")


class StillClock:
    """A clock that stays where the test puts it."""

    def __init__(self) -> None:
        self.at = T0

    def now(self) -> datetime:
        return self.at


@pytest.fixture(params=BACKENDS)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SqlStore]:
    async with migrated_engine(request.param, tmp_path) as engine:
        async with engine.begin() as conn:
            await conn.execute(
                insert(retailers).values(
                    id="r1",
                    name="张老板",
                    shop="张记烟酒",
                    phone="13800000001",
                    manager_id="m1",
                    updated_at=T0,
                )
            )
            await conn.execute(
                insert(contacts).values(
                    channel="telegram", chat="9001", retailer_id="r1", linked_at=T0
                )
            )
        yield SqlStore(engine, StillClock())


async def a_ticket(store: SqlStore) -> Ticket:
    policy = Policy((EscalationStep(timedelta(minutes=15), Notify.MANAGER),))
    async with store.transaction() as ledger:
        return await ledger.create_ticket(Ticket(0, "r1", "m1", "m1", T0, policy))


async def test_a_retailer_keeps_what_the_desk_awaits_and_the_language_picked(store):
    async with store.transaction() as ledger:
        before = await ledger.retailer_at(R1_CHAT)
        await ledger.expect("r1", "complaint", T0 + timedelta(minutes=30))
        await ledger.set_retailer_lang("r1", "en", chosen=True)
        # Read again in the same unit of work: the cached copy must not hide the change.
        during = await ledger.retailer_at(R1_CHAT)
    async with store.peek() as ledger:
        after = await ledger.retailer("r1")

    assert before is not None
    assert (before.awaiting, before.lang, before.lang_chosen) == (None, "zh", False)
    assert during == after
    assert after is not None
    assert after.expecting(T0) == "complaint"
    assert after.expecting(T0 + timedelta(minutes=30)) is None
    assert (after.lang, after.lang_chosen) == ("en", True)


async def test_staff_languages_are_replaced_not_added(store):
    async with store.transaction() as ledger:
        await ledger.set_staff_lang("m1", "en", T0)
        await ledger.set_staff_lang("m1", "zh", T0)
        await ledger.set_staff_lang("s1", "en", T0)
    async with store.peek() as ledger:
        assert await ledger.staff_langs() == {"m1": "zh", "s1": "en"}


async def test_a_notice_to_staff_goes_out_in_the_language_they_last_picked(store):
    m1_chat = Address("telegram", "5001")
    async with store.transaction() as ledger:
        await ledger.post(Notice("m1", m1_chat, NoticeKind.REMINDER, "zh", {"ticket": 1}))
        await ledger.set_staff_lang("m1", "en", T0)
        # Composed from a worker's config, which still says zh.
        await ledger.post(Notice("m1", m1_chat, NoticeKind.REMINDER, "zh", {"ticket": 1}))
        await ledger.post(Notice("r1", R1_CHAT, NoticeKind.ACK, "zh", {"ticket": 1}))

    parcels = await Outbox(store).claim(T0, 10)

    assert [(p.notice.to, p.notice.lang) for p in parcels] == [
        ("m1", "zh"),
        ("m1", "en"),
        ("r1", "zh"),
    ]


async def test_a_rating_is_due_then_asked_then_given_once(store):
    ticket = await a_ticket(store)
    rating = Rating(ticket.id, "r1", "m1", due_at=T0 + timedelta(hours=24))
    async with store.transaction() as ledger:
        await ledger.save_rating(rating)
        assert ledger.due_set == T0 + timedelta(hours=24)
    async with store.transaction() as ledger:
        assert await ledger.due_ratings(T0, 10) == []
        assert await ledger.earliest_rating_due() == T0 + timedelta(hours=24)
        (due,) = await ledger.due_ratings(T0 + timedelta(hours=24), 10)
        await ledger.save_rating(due.evolve(due_at=None, asked_at=T0 + timedelta(hours=24)))
    async with store.transaction() as ledger:
        assert await ledger.earliest_rating_due() is None
        asked = await ledger.rating(ticket.id)
        assert asked is not None
        await ledger.save_rating(asked.evolve(score=2, comment="态度差", rated_at=T0))
    async with store.peek() as ledger:
        stored = await ledger.rating(ticket.id)
    assert stored == asked.evolve(score=2, comment="态度差", rated_at=T0)


async def test_a_complaint_round_trips_and_its_reminder_comes_due(store):
    policy = ComplaintPolicy(
        (ComplaintStep(timedelta(hours=2)), ComplaintStep(timedelta(hours=8), True))
    )
    draft = Complaint(0, "r1", "m1", "s1", T0, policy, waiting_since=T0)
    async with store.transaction() as ledger:
        complaint = await ledger.create_complaint(draft)
        complaint = complaint.evolve(next_due_at=T0 + timedelta(hours=2))
        await ledger.save_complaint(complaint)
        said = Content(ContentKind.TEXT, "经理态度很差", Address("telegram", "9001"), "41")
        await ledger.add_complaint_message(ComplaintMessage(complaint.id, "r1", True, said, T0))
        await ledger.add_complaint_message(
            ComplaintMessage(complaint.id, "s1", False, Content(ContentKind.TEXT, "已了解"), T0)
        )
    async with store.transaction() as ledger:
        assert await ledger.open_complaint_of("r1") == complaint
        assert await ledger.complaint(complaint.id) == complaint
        assert await ledger.earliest_complaint_due() == T0 + timedelta(hours=2)
        assert await ledger.due_complaints(T0 + timedelta(hours=1), 10) == []
        assert await ledger.due_complaints(T0 + timedelta(hours=2), 10) == [complaint]
        (message,) = await ledger.complaint_messages(complaint.id, T0)
        assert message.content == said
        await ledger.save_complaint(complaint.evolve(closed_at=T0, next_due_at=None))
    async with store.peek() as ledger:
        assert await ledger.open_complaint_of("r1") is None


async def test_a_reply_finds_its_complaint_only_through_complaint_messages(store):
    outbox = Outbox(store)
    async with store.transaction() as ledger:
        complaint = await ledger.create_complaint(
            Complaint(0, "r1", "m1", "s1", T0, ComplaintPolicy())
        )
        for kind in (NoticeKind.COMPLAINT, NoticeKind.REPORT):
            await ledger.post(Notice("s1", S1_CHAT, kind, "zh", {"complaint": complaint.id}))
    parcels = await outbox.claim(T0, 10)
    settled = [outbox_settled(p, mid) for p, mid in zip(parcels, ("501", "502"), strict=True)]
    await outbox.settle(settled, T0)
    async with store.peek() as ledger:
        assert await ledger.complaint_of_message(S1_CHAT, "501") == complaint.id
        assert await ledger.complaint_of_message(S1_CHAT, "502") is None
        assert await ledger.complaint_of_message(R1_CHAT, "501") is None


def outbox_settled(parcel, message_id):
    return Settled(parcel.id, "sent", message_id=message_id)


async def test_a_supply_request_keeps_its_outcome(store):
    ticket = await a_ticket(store)
    line = OrderLine("软中华", "2条", "明早送")
    async with store.transaction() as ledger:
        request = await ledger.create_supply(SupplyRequest(0, ticket.id, "r1", "m1", line, T0))
        answered = request.evolve(
            outcome=SupplyOutcome.OUT_OF_STOCK,
            expected=date(2026, 11, 29),
            answered_by="m1",
            answered_at=T0,
            outcome_at=T0,
        )
        await ledger.save_supply(answered)
    async with store.peek() as ledger:
        assert await ledger.supply(request.id) == answered
    refused = answered.evolve(
        outcome=SupplyOutcome.REFUSED, expected=None, reason=RefusalReason.QUOTA
    )
    async with store.transaction() as ledger:
        await ledger.save_supply(refused)
    async with store.peek() as ledger:
        assert await ledger.supply(request.id) == refused


async def test_a_staff_answer_is_found_by_its_own_chat_and_saved_once(store):
    ticket = await a_ticket(store)
    asked = TicketMessage(
        ticket.id,
        "r1",
        True,
        Content(ContentKind.TEXT, "烟怎么防潮？", Address("telegram", "9001"), "7"),
        T0,
    )
    answer = TicketMessage(
        ticket.id,
        "m1",
        False,
        Content(ContentKind.TEXT, "放除湿盒", Address("telegram", "5001"), "8"),
        T0,
    )
    async with store.transaction() as ledger:
        await ledger.add_message(asked)
        await ledger.add_message(answer)
        assert await ledger.conversation(ticket.id) == [asked, answer]
        assert await ledger.staff_message(Address("telegram", "5001"), "8") == answer
        assert await ledger.staff_message(Address("telegram", "9001"), "7") is None
        draft = GuideDraft(
            0, ticket.id, "m1", "烟怎么防潮？", "放除湿盒", "zh", T0, "telegram", "5001", "8"
        )
        saved = await ledger.create_draft(draft)
        assert saved is not None
        assert await ledger.create_draft(draft) is None
        await ledger.save_draft(saved.evolve(state=DraftState.APPROVED, decided_by="s1"))
    async with store.peek() as ledger:
        (approved,) = await ledger.approved_drafts()
    assert approved == saved.evolve(state=DraftState.APPROVED, decided_by="s1")
