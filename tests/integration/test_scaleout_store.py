"""Two workers on one PostgreSQL database: what each claims, the other cannot take meanwhile."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desk.notices import Notice, NoticeKind
from desk.people import Address
from desk.policy import EscalationStep, Notify, Policy
from desk.tickets import Ticket
from storage.engine import make_engine
from storage.inbox import LEASE, Arrival, Inbox
from storage.migrate import upgrade
from storage.outbox import Outbox
from storage.store import SqlStore
from tests.databases import fresh_database, migrated_engine, needs_postgres

T0 = datetime(2026, 11, 26, 19, 0, tzinfo=UTC)
POLICY = Policy((EscalationStep(timedelta(minutes=15), Notify.MANAGER),))


class HandClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.at = T0

    def now(self) -> datetime:
        return self.at


@pytest.fixture
async def workers() -> AsyncIterator[tuple[SqlStore, SqlStore]]:
    """Two stores with engines of their own on one fresh database, as two processes have."""
    async with fresh_database() as url:
        clock = HandClock()
        first, second = SqlStore(make_engine(url), clock), SqlStore(make_engine(url), clock)
        await upgrade(first.engine)
        try:
            yield first, second
        finally:
            await first.dispose()
            await second.dispose()


def arrivals(chats: list[int], first_id: int = 1) -> list[Arrival]:
    return [Arrival(first_id + i, str(chat), "{}") for i, chat in enumerate(chats)]


@needs_postgres
async def test_a_chat_being_handled_is_not_handed_to_another_worker(
    workers: tuple[SqlStore, SqlStore],
) -> None:
    a, b = Inbox(workers[0]), Inbox(workers[1])
    await a.keep(arrivals([1, 2, 3, 4, 1, 2, 3, 4]), T0)
    mine = await a.pending(limit=3)
    theirs = await b.pending(limit=10)
    assert [p.update_id for p in mine] == [1, 2, 3]
    # Chats 1-3 are busy with the first worker, so their later updates wait for it.
    assert [(p.update_id, p.chat_id) for p in theirs] == [(4, "4"), (8, "4")]
    assert await b.pending() == []
    await a.settle([p.id for p in mine])
    assert [p.update_id for p in await b.pending()] == [5, 6, 7]


@needs_postgres
async def test_a_dead_workers_lease_lapses_and_a_failure_frees_at_once(
    workers: tuple[SqlStore, SqlStore],
) -> None:
    a, b = Inbox(workers[0]), Inbox(workers[1])
    await a.keep(arrivals([1, 2]), T0)
    first, second = await a.pending()
    assert await b.pending() == []
    await a.failed(first, "handler crashed")
    [retried] = await b.pending()
    assert (retried.update_id, retried.attempts) == (1, 1)
    await b.settle([retried.id])
    clock = workers[0].clock
    assert isinstance(clock, HandClock)
    clock.at = T0 + LEASE  # The first worker died holding update 2.
    [orphan] = await b.pending()
    assert orphan.update_id == second.update_id


@needs_postgres
async def test_two_busy_workers_handle_every_update_once_and_chats_one_at_a_time(
    workers: tuple[SqlStore, SqlStore],
) -> None:
    inboxes = [Inbox(store) for store in workers]
    chats = [100 + i % 25 for i in range(500)]
    await inboxes[0].keep(arrivals(chats), T0)
    handled: list[int] = []
    holding: dict[str, int] = {}

    async def work(me: int) -> None:
        inbox = inboxes[me]
        while batch := await inbox.pending(limit=40):
            for entry in batch:
                assert entry.chat_id is not None
                assert holding.get(entry.chat_id, me) == me, "two workers in one chat"
                holding[entry.chat_id] = me
            await asyncio.sleep(0)  # Let the other worker claim in between.
            handled.extend(entry.update_id for entry in batch)
            for entry in batch:
                holding.pop(entry.chat_id or "", None)
            await inbox.settle([entry.id for entry in batch])

    await asyncio.gather(work(0), work(1))
    assert sorted(handled) == list(range(1, 501))


async def test_sqlite_hands_out_pending_updates_without_claiming(tmp_path: Path) -> None:
    async with migrated_engine("sqlite", tmp_path) as engine:
        inbox = Inbox(SqlStore(engine, HandClock()))
        await inbox.keep(arrivals([1, 1]), T0)
        first = await inbox.pending()
        assert [p.update_id for p in first] == [1, 2]
        assert await inbox.pending() == first


@needs_postgres
async def test_outbox_rows_go_to_one_worker_each(workers: tuple[SqlStore, SqlStore]) -> None:
    async with workers[0].transaction() as ledger:
        for chat in range(200):
            await ledger.post(
                Notice("r", Address("telegram", str(9000 + chat)), NoticeKind.ACK, "zh")
            )
    a, b = Outbox(workers[0]), Outbox(workers[1])
    claims = await asyncio.gather(*(box.claim(T0, 30) for box in (a, b, a, b, a, b, a, b)))
    ids = [parcel.id for claim in claims for parcel in claim]
    assert len(ids) == len(set(ids)) == 200


@needs_postgres
async def test_a_due_ticket_is_claimed_by_one_worker(workers: tuple[SqlStore, SqlStore]) -> None:
    async with workers[0].transaction() as ledger:
        for i in range(50):
            draft = Ticket(0, f"r{i}", "m1", "m1", T0, POLICY, waiting_since=T0, next_due_at=T0)
            await ledger.create_ticket(draft)
    later = T0 + timedelta(minutes=1)
    async with workers[0].transaction() as first:
        mine = await first.due_tickets(later, 30)
        # The first worker is still inside its transaction: its rows are skipped, not awaited.
        async with workers[1].transaction() as second:
            theirs = await second.due_tickets(later, 100)
    assert len(mine) == 30 and len(theirs) == 20
    assert not {t.id for t in mine} & {t.id for t in theirs}


@needs_postgres
async def test_the_weekly_summary_is_claimed_once_across_workers(
    workers: tuple[SqlStore, SqlStore],
) -> None:
    async def claim(store: SqlStore) -> bool:
        async with store.transaction() as ledger:
            return await ledger.claim_report("2026-W47", "s1", T0)

    results = await asyncio.gather(*(claim(s) for s in (*workers, *workers)))
    assert sorted(results) == [False, False, False, True]
