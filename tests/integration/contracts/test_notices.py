"""The Notices contract: the fake and the SQL store settle updates and keep the outbox alike."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from desk.complaints import Complaint, ComplaintPolicy
from desk.content import Content, ContentKind
from desk.notices import Attachment, Button, Notice, NoticeKind
from desk.people import Address
from desk.policy import Policy
from desk.tickets import Ticket
from tests.integration.contracts.conftest import R1_CHAT, T0, Backend

A = Address("telegram", "5001")
B = Address("telegram", "5002")


def notice(
    to: Address, ticket_id: int | None = None, kind: NoticeKind = NoticeKind.QUESTION
) -> Notice:
    """Return a bare notice to a chat."""
    return Notice("m1", to, kind, "zh", {"ticket": ticket_id}, ticket_id=ticket_id)


async def a_ticket(backend: Backend) -> Ticket:
    """Open a ticket for notices to be about."""
    async with backend.store.transaction() as ledger:
        return await ledger.create_ticket(Ticket(0, "r1", "m1", "m1", T0, Policy(())))


async def test_an_update_settles_once(backend: Backend) -> None:
    await backend.keep(10, 11)
    async with backend.store.transaction() as ledger:
        first = await ledger.settle("telegram", 10)
    async with backend.store.transaction() as ledger:
        again = await ledger.settle("telegram", 10)
        other = await ledger.settle("telegram", 11)
    assert (first, again, other) == (True, False, True)


async def test_the_outbox_keeps_the_whole_notice(backend: Backend) -> None:
    ticket = await a_ticket(backend)
    whole = Notice(
        "m1",
        A,
        NoticeKind.QUESTION,
        "en",
        {"ticket": ticket.id, "text": "中华"},
        ticket_id=ticket.id,
        step=1,
        copy_of=Content(ContentKind.PHOTO, "看看", R1_CHAT, "4", "file-1", 2048),
        buttons=(Button("button.on_it", f"on:{ticket.id}"),),
        attachment=Attachment("w.png", b"\x89PNG", as_photo=True),
    )
    async with backend.store.transaction() as ledger:
        await ledger.post(whole)
    assert await backend.deliver() == [(A, "1")]
    async with backend.store.peek() as ledger:
        found = await ledger.notice_of_message(A, "1")
    assert found == whole


async def test_a_message_maps_back_only_in_its_own_chat(backend: Backend) -> None:
    ticket = await a_ticket(backend)
    other = await a_ticket(backend)
    async with backend.store.transaction() as ledger:
        await ledger.post(notice(A, ticket.id))
        await ledger.post(notice(B, other.id))
        # Not delivered yet: no message maps to it.
        assert await ledger.ticket_of_message(A, "1") is None
    await backend.deliver()
    async with backend.store.peek() as ledger:
        # Both chats got message id 1: only the chat tells them apart.
        assert await ledger.ticket_of_message(A, "1") == ticket.id
        assert await ledger.ticket_of_message(B, "1") == other.id
        assert await ledger.ticket_of_message(A, "2") is None
        assert await ledger.ticket_of_message(Address("wecom", "5001"), "1") is None
        assert await ledger.notice_of_message(B, "1") == notice(B, other.id)
        assert await ledger.notice_of_message(B, "2") is None


async def test_a_reply_finds_its_complaint_only_through_complaint_notices(
    backend: Backend,
) -> None:
    async with backend.store.transaction() as ledger:
        complaint = await ledger.create_complaint(
            Complaint(0, "r1", "m1", "s1", T0, ComplaintPolicy())
        )
        for kind in (NoticeKind.COMPLAINT, NoticeKind.REPORT):
            await ledger.post(Notice("s1", A, kind, "zh", {"complaint": complaint.id}))
    await backend.deliver()
    async with backend.store.peek() as ledger:
        assert await ledger.complaint_of_message(A, "1") == complaint.id
        assert await ledger.complaint_of_message(A, "2") is None
        assert await ledger.complaint_of_message(B, "1") is None


async def test_a_notice_to_staff_goes_out_in_the_language_they_last_picked(
    backend: Backend,
) -> None:
    async with backend.store.transaction() as ledger:
        await ledger.post(Notice("m1", A, NoticeKind.REMINDER, "zh", {"ticket": 1}))
        await ledger.set_staff_lang("m1", "en", T0)
        # Composed from a worker's config, which still says zh.
        await ledger.post(Notice("m1", A, NoticeKind.REMINDER, "zh", {"ticket": 1}))
        await ledger.post(Notice("r1", R1_CHAT, NoticeKind.ACK, "zh", {"ticket": 1}))
    delivered = await backend.deliver()
    async with backend.store.peek() as ledger:
        langs = [(await ledger.notice_of_message(*sent)) for sent in delivered]
    assert [(n.to, n.lang) for n in langs if n] == [("m1", "zh"), ("m1", "en"), ("r1", "zh")]


async def test_the_last_notice_is_amended_only_until_it_is_sent(backend: Backend) -> None:
    ticket = await a_ticket(backend)
    later = T0 + timedelta(minutes=10)
    kinds = {NoticeKind.QUESTION, NoticeKind.REMINDER}
    async with backend.store.transaction() as ledger:
        assert await ledger.last_notice(ticket.id, "m1", kinds) is None
        await ledger.post(notice(A, ticket.id), not_before=T0 - timedelta(minutes=5))
        await ledger.post(notice(A, ticket.id, NoticeKind.REMINDER), not_before=later)
        await ledger.post(notice(A, ticket.id, NoticeKind.ACK))
        questioned = await ledger.last_notice(ticket.id, "m1", {NoticeKind.QUESTION})
        queued = await ledger.last_notice(ticket.id, "m1", kinds)
    assert questioned is not None and queued is not None
    # Held no earlier than when it was posted, and no earlier than asked.
    assert (questioned.not_before, queued.not_before) == (T0, later)
    assert queued.notice == notice(A, ticket.id, NoticeKind.REMINDER)
    assert (queued.sent_at, queued.untried) == (None, True)
    amended = replace(notice(A, ticket.id, NoticeKind.REMINDER), params={"ticket": 0})
    async with backend.store.transaction() as ledger:
        assert await ledger.amend(queued, amended)
    await backend.deliver()
    async with backend.store.transaction() as ledger:
        sent = await ledger.last_notice(ticket.id, "m1", kinds)
        assert sent is not None
        assert await ledger.amend(sent, notice(A, ticket.id, NoticeKind.REMINDER)) is False
    assert sent.notice == amended
    assert sent.sent_at is not None and not sent.untried


async def test_a_weeks_summary_is_claimed_once_per_supervisor(backend: Backend) -> None:
    async with backend.store.transaction() as ledger:
        assert not await ledger.report_claimed("2026-W47", "s1")
        first = await ledger.claim_report("2026-W47", "s1", T0)
    async with backend.store.transaction() as ledger:
        second = await ledger.claim_report("2026-W47", "s1", T0)
        other = await ledger.claim_report("2026-W47", "s2", T0)
        claimed = await ledger.report_claimed("2026-W47", "s1")
        unclaimed = await ledger.report_claimed("2026-W48", "s1")
    assert (first, second, other, claimed, unclaimed) == (True, False, True, True, False)


async def test_in_service_since_the_first_ticket_or_summary(backend: Backend) -> None:
    async with backend.store.peek() as ledger:
        assert await ledger.in_service_since() is None
    async with backend.store.transaction() as ledger:
        await ledger.claim_report("2026-W47", "s1", T0 - timedelta(days=1))
        await ledger.create_ticket(Ticket(0, "r1", "m1", "m1", T0, Policy(())))
    async with backend.store.peek() as ledger:
        since = await ledger.in_service_since()
    assert since == T0 - timedelta(days=1)
