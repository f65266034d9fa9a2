"""What only the fakes promise: a clock moved by hand, a store with counters and deliveries.

What the fake store keeps alike with the SQL store is in tests/integration/contracts/.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from desk.notices import Notice, NoticeKind
from desk.people import Address
from desk.tickets import Event, EventKind
from tests.unit.fakes import FakeClock, FakeStore

A = Address("telegram", "1")
B = Address("telegram", "2")


def notice(to: Address, ticket_id: int) -> Notice:
    """Return a bare notice for a ticket."""
    return Notice(to.chat, to, NoticeKind.REMINDER, "zh", ticket_id=ticket_id)


def test_the_clock_moves_only_when_told():
    clock = FakeClock(datetime(2026, 11, 17, 10, 0, tzinfo=timezone(timedelta(hours=8))))

    assert clock.now() == datetime(2026, 11, 17, 2, 0, tzinfo=UTC)
    assert clock.now().tzinfo is UTC
    clock.advance(minutes=15, seconds=30)
    assert clock.now() == datetime(2026, 11, 17, 2, 15, 30, tzinfo=UTC)
    clock.set(datetime(2026, 1, 1, tzinfo=UTC))
    assert clock.now() == datetime(2026, 1, 1, tzinfo=UTC)


def test_the_clock_refuses_naive_times_and_running_backwards():
    clock = FakeClock(datetime(2026, 1, 1, tzinfo=UTC))

    with pytest.raises(ValueError, match="aware"):
        clock.set(datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="backwards"):
        clock.advance(seconds=-1)


async def test_a_committed_transaction_keeps_its_changes():
    store = FakeStore()

    async with store.transaction() as ledger:
        await ledger.post(notice(A, 1))

    assert len(store.posted) == 1
    assert store.commits == 1


async def test_a_failed_transaction_leaves_no_trace():
    store = FakeStore()
    at = datetime(2026, 1, 1, tzinfo=UTC)

    with pytest.raises(RuntimeError, match="boom"):
        async with store.transaction() as ledger:
            await ledger.settle("telegram", 1)
            await ledger.post(notice(A, 1))
            await ledger.record(Event(1, EventKind.ASKED, at))
            raise RuntimeError("boom")

    assert (store.posted, store.events, store.settled) == ([], [], set())
    assert store.rollbacks == 1


async def test_a_nested_transaction_is_refused_as_the_sqlite_store_would_deadlock():
    store = FakeStore()

    async with store.transaction():
        with pytest.raises(RuntimeError, match="already open"):
            async with store.transaction():
                pass


async def test_delivery_numbers_messages_per_chat():
    store = FakeStore()
    async with store.transaction() as ledger:
        for address in (A, A, B):
            await ledger.post(notice(address, 7))

    delivered = store.deliver_all()

    assert [(p.notice.address, p.message_id) for p in delivered] == [(A, "1"), (A, "2"), (B, "1")]
    assert store.deliver_all() == []


async def test_a_peek_reads_what_was_committed_and_refuses_writes():
    store = FakeStore()
    async with store.transaction() as ledger:
        await ledger.post(notice(A, 7))
    store.deliver_all()

    async with store.peek() as reader:
        assert await reader.ticket_of_message(A, "1") == 7
        with pytest.raises(RuntimeError, match="peek"):
            await reader.post(notice(B, 8))

    assert len(store.posted) == 1
