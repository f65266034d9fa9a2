"""One store suite, run on SQLite and (where configured) PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desk.content import Content, ContentKind
from desk.notices import Attachment, Button, Notice, NoticeKind
from desk.people import Address, Leave
from desk.policy import EscalationStep, Notify, Policy
from desk.tickets import Event, EventKind, Ticket
from storage.inbox import Arrival, Inbox
from storage.outbox import Outbox, Settled
from storage.store import SqlStore
from tests.databases import BACKENDS, migrated_engine, seed_retailers

T0 = datetime(2026, 11, 26, 19, 0, tzinfo=UTC)
POLICY = Policy((EscalationStep(timedelta(minutes=15), Notify.MANAGER),))


class StillClock:
    """A clock that stays where the test puts it."""

    def __init__(self) -> None:
        self.at = T0

    def now(self) -> datetime:
        return self.at


@pytest.fixture(params=BACKENDS)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SqlStore]:
    async with migrated_engine(request.param, tmp_path) as engine:
        sql_store = SqlStore(engine, StillClock())
        async with engine.begin() as conn:
            await seed_retailers(
                conn,
                [
                    {
                        "id": "r1",
                        "name": "张老板",
                        "shop": "张记烟酒",
                        "phone": "+8613800000001",
                        "manager_id": "m1",
                        "telegram_id": 9001,
                        "updated_at": T0,
                    },
                    {
                        "id": "r2",
                        "name": "刘阿姨",
                        "shop": "刘家便利店",
                        "phone": "+8613800000002",
                        "manager_id": "m2",
                        "telegram_id": None,
                        "updated_at": T0,
                    },
                ],
            )
        yield sql_store


def draft(**changes: object) -> Ticket:
    base = Ticket(
        0, "r1", "m1", "m1", T0, POLICY, waiting_since=T0, next_due_at=T0 + timedelta(minutes=15)
    )
    return base.evolve(**changes)


async def test_ticket_round_trips_with_aware_times_and_policy(store: SqlStore) -> None:
    async with store.transaction() as ledger:
        created = await ledger.create_ticket(draft(off_hours=True))
    async with store.transaction() as ledger:
        loaded = await ledger.ticket(created.id)
    assert loaded == created
    assert loaded is not None and loaded.waiting_since is not None
    assert loaded.waiting_since.tzinfo is not None


async def test_failed_transaction_leaves_nothing_behind(store: SqlStore) -> None:
    with pytest.raises(RuntimeError, match="boom"):
        async with store.transaction() as ledger:
            await ledger.create_ticket(draft())
            raise RuntimeError("boom")
    async with store.transaction() as ledger:
        assert await ledger.open_ticket_of("r1") is None


async def test_retailer_is_found_by_chat_and_by_phone(store: SqlStore) -> None:
    async with store.transaction() as ledger:
        by_chat = await ledger.retailer_at(Address("telegram", "9001"))
        by_phone = await ledger.retailer_with_phone("+8613800000002")
        nobody = await ledger.retailer_with_phone("+8619900000000")
    assert by_chat is not None and by_chat.id == "r1"
    assert by_phone is not None and by_phone.id == "r2"
    assert nobody is None


async def test_a_chat_is_linked_only_while_the_link_is_as_expected(store: SqlStore) -> None:
    async with store.transaction() as ledger:
        # r1 is linked to 9001, so a link expecting no chat (a second sharer) changes nothing.
        refused = await ledger.link_chat("r1", Address("telegram", "9009"), None)
        linked = await ledger.link_chat("r2", Address("telegram", "9002"), None)
    async with store.transaction() as ledger:
        # Moving r1 to r2's chat unlinks r2: one chat per retailer.
        moved = await ledger.link_chat("r1", Address("telegram", "9002"), "9001")
        r1, r2 = await ledger.retailer("r1"), await ledger.retailer("r2")
    assert (refused, linked, moved) == (False, True, True)
    assert r1 is not None and r1.contacts == (Address("telegram", "9002"),)
    assert r2 is not None and r2.contacts == ()


async def test_a_delivered_notice_is_found_by_its_chat_and_message(store: SqlStore) -> None:
    outbox = Outbox(store)
    notice = Notice(
        "m1",
        Address("telegram", "5001"),
        NoticeKind.LINK_CLAIMED,
        "zh",
        params={"retailer_id": "r1", "chat": 9009, "was": 9001},
        buttons=(Button("button.move_link", "lnk:9009"),),
    )
    async with store.transaction() as ledger:
        await ledger.post(notice)
    (parcel,) = await outbox.claim(T0)
    await outbox.settle([Settled(parcel.id, "sent", message_id="31")], T0)
    async with store.transaction() as ledger:
        found = await ledger.notice_of_message(Address("telegram", "5001"), "31")
        elsewhere = await ledger.notice_of_message(Address("telegram", "5002"), "31")
    assert (found, elsewhere) == (notice, None)


async def test_an_update_settles_once(store: SqlStore) -> None:
    inbox = Inbox(store)
    assert await inbox.keep([Arrival(10, "9001", "{}")], T0) == 1
    assert await inbox.keep([Arrival(10, "9001", "{}"), Arrival(11, "9001", "{}")], T0) == 1
    async with store.transaction() as ledger:
        first = await ledger.settle("telegram", 10)
    async with store.transaction() as ledger:
        again = await ledger.settle("telegram", 10)
    assert (first, again) == (True, False)
    assert [p.update_id for p in await inbox.pending()] == [11]
    assert await inbox.last_update_id() == 11


async def test_bot_messages_are_looked_up_by_chat_and_message_id(store: SqlStore) -> None:
    outbox = Outbox(store)
    async with store.transaction() as ledger:
        ticket = await ledger.create_ticket(draft())
        for chat in (5001, 5002):
            await ledger.post(
                Notice(
                    "m",
                    Address("telegram", str(chat)),
                    NoticeKind.QUESTION,
                    "zh",
                    ticket_id=ticket.id,
                )
            )
    parcels = await outbox.claim(T0)
    # Both chats got message id 7: only the chat tells them apart.
    await outbox.settle(
        [
            Settled(p.id, "sent", message_id="7")
            for p in parcels
            if int(p.notice.address.chat) == 5001
        ],
        T0,
    )
    async with store.transaction() as ledger:
        mine = await ledger.ticket_of_message(Address("telegram", "5001"), "7")
        theirs = await ledger.ticket_of_message(Address("telegram", "5002"), "7")
    assert (mine, theirs) == (ticket.id, None)


async def test_outbox_keeps_the_whole_notice(store: SqlStore) -> None:
    notice = Notice(
        "m1",
        Address("telegram", "5001"),
        NoticeKind.QUESTION,
        "en",
        {"ticket": 3, "text": "中华"},
        ticket_id=None,
        step=1,
        copy_of=Content(ContentKind.PHOTO, "看看", Address("telegram", "9001"), "4"),
        buttons=(Button("button.on_it", "on:3"),),
        attachment=Attachment("w.png", b"\x89PNG", as_photo=True),
    )
    async with store.transaction() as ledger:
        await ledger.post(notice)
    [parcel] = await Outbox(store).claim(T0)
    assert parcel.notice == notice
    assert not parcel.repeat


async def test_outbox_lease_retry_and_repeat(store: SqlStore) -> None:
    outbox = Outbox(store)
    async with store.transaction() as ledger:
        await ledger.post(Notice("r1", Address("telegram", "9001"), NoticeKind.ACK, "zh"))
    [first] = await outbox.claim(T0)
    assert await outbox.claim(T0) == []  # leased
    await outbox.settle(
        [Settled(first.id, "pending", error="503", retry_at=T0 + timedelta(seconds=5))], T0
    )
    assert (await outbox.backlog()).last_error == "503"
    assert await outbox.claim(T0) == []
    assert await outbox.next_retry_at() == T0 + timedelta(seconds=5)
    [again] = await outbox.claim(T0 + timedelta(seconds=5))
    assert again.attempts == 2 and not again.repeat
    # The process dies holding the lease before trying the row: it was never sent.
    await outbox.release_leases(T0 + timedelta(seconds=6))
    [third] = await outbox.claim(T0 + timedelta(seconds=6))
    assert third.attempts == 3 and not third.repeat
    # It dies while sending: the row comes back marked as a possible repeat, and stays so
    # through another claim until it is settled.
    await outbox.trying([third.id])
    await outbox.release_leases(T0 + timedelta(seconds=7))
    [fourth] = await outbox.claim(T0 + timedelta(seconds=7))
    assert fourth.repeat
    await outbox.release_leases(T0 + timedelta(seconds=8))
    [fifth] = await outbox.claim(T0 + timedelta(seconds=8))
    assert fifth.repeat
    await outbox.settle([Settled(fifth.id, "sent", message_id="1")], T0)
    backlog = await outbox.backlog()
    assert backlog.pending == 0
    assert backlog.last_error is None, "an error overcome by a later delivery is not shown"


async def test_due_tickets_and_earliest_due(store: SqlStore) -> None:
    async with store.transaction() as ledger:
        soon = await ledger.create_ticket(draft(next_due_at=T0 + timedelta(minutes=1)))
        await ledger.create_ticket(draft(retailer_id="r2", next_due_at=T0 + timedelta(minutes=9)))
    async with store.transaction() as ledger:
        assert await ledger.earliest_due() == T0 + timedelta(minutes=1)
        due = await ledger.due_tickets(T0 + timedelta(minutes=2), 10)
    assert [t.id for t in due] == [soon.id]


async def test_week_report_is_claimed_once(store: SqlStore) -> None:
    async with store.transaction() as ledger:
        first = await ledger.claim_report("2026-W47", "s1", T0)
    async with store.transaction() as ledger:
        second = await ledger.claim_report("2026-W47", "s1", T0)
    assert (first, second) == (True, False)


async def test_leave_and_notified(store: SqlStore) -> None:
    async with store.transaction() as ledger:
        ticket = await ledger.create_ticket(draft())
        await ledger.start_leave(Leave("m1", "m2", T0 + timedelta(days=2), T0))
        await ledger.record(Event(ticket.id, EventKind.ESCALATED, T0, target="m2", step=1))
        await ledger.record(Event(ticket.id, EventKind.ESCALATED, T0, target="m2", step=2))
        await ledger.record(Event(ticket.id, EventKind.ESCALATED, T0, target="s1", step=3))
    async with store.transaction() as ledger:
        leave = await ledger.leave_of("m1", T0 + timedelta(days=1))
        expired = await ledger.leave_of("m1", T0 + timedelta(days=3))
        notified = await ledger.notified(ticket.id, T0)
        ended = await ledger.end_leave("m1", T0)
        ended_again = await ledger.end_leave("m1", T0)
    assert leave is not None and leave.covering_id == "m2"
    assert expired is None
    assert notified == ["m2", "s1"]
    assert (ended, ended_again) == (True, False)
