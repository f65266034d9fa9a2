"""Group commit: many units of work share one commit, yet each stays atomic on its own."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from desk.notices import Notice, NoticeKind
from desk.people import Address
from desk.policy import EscalationStep, Notify, Policy
from desk.tickets import Event, EventKind, Ticket
from storage.store import SqlStore
from storage.tables import events, outbox, retailers, tickets
from tests.databases import migrated_engine

T0 = datetime(2026, 11, 26, 19, 0, tzinfo=UTC)
POLICY = Policy((EscalationStep(timedelta(minutes=15), Notify.MANAGER),))


class StillClock:
    """A clock that stays where the test puts it."""

    def now(self) -> datetime:
        return T0


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqlStore]:
    async with migrated_engine("sqlite", tmp_path) as engine:
        async with engine.begin() as conn:
            await conn.execute(
                insert(retailers),
                [
                    {
                        "id": f"r{i}",
                        "name": f"零售户{i}",
                        "shop": f"店{i}",
                        "phone": f"1380000000{i}",
                        "manager_id": "m1",
                        "telegram_id": 9000 + i,
                        "updated_at": T0,
                    }
                    for i in range(3)
                ],
            )
        yield SqlStore(engine, StillClock())


async def ask(store: SqlStore, retailer: str, *, due_in: int = 15, fail: bool = False) -> int:
    """Open a ticket with an event and a notice, as a desk use case would."""
    async with store.transaction() as ledger:
        draft = Ticket(0, retailer, "m1", "m1", T0, POLICY, waiting_since=T0)
        ticket = await ledger.create_ticket(draft)
        await ledger.record(Event(ticket.id, EventKind.ASKED, T0, actor=retailer))
        await ledger.post(Notice("m1", Address("telegram", 5001), NoticeKind.QUESTION, "zh"))
        await ledger.save_ticket(ticket.evolve(next_due_at=T0 + timedelta(minutes=due_in)))
        if fail:
            raise RuntimeError("boom")
        return ticket.id


async def counts(store: SqlStore) -> tuple[int, int, int]:
    async with store.reading() as conn:
        return (
            await conn.scalar(select(func.count()).select_from(tickets)) or 0,
            await conn.scalar(select(func.count()).select_from(events)) or 0,
            await conn.scalar(select(func.count()).select_from(outbox)) or 0,
        )


async def test_a_failed_unit_rolls_back_alone(store: SqlStore) -> None:
    async with store.group_commit():
        await ask(store, "r0")
        with pytest.raises(RuntimeError, match="boom"):
            await ask(store, "r1", fail=True)
        await ask(store, "r2")
    assert await counts(store) == (2, 2, 2)


async def test_rows_flushed_for_a_read_survive_a_later_rollback(store: SqlStore) -> None:
    async with store.group_commit():
        first = await ask(store, "r0")
        with pytest.raises(RuntimeError, match="boom"):
            async with store.transaction() as ledger:
                # Reading events flushes the first unit's rows inside this savepoint.
                assert await ledger.notified(first, T0) == []
                await ledger.record(Event(first, EventKind.ESCALATED, T0, target="m2", step=0))
                raise RuntimeError("boom")
    assert await counts(store) == (1, 1, 1)


async def test_nothing_is_seen_before_the_group_commits(store: SqlStore) -> None:
    due: list[datetime] = []
    store.on_due(due.append)
    async with store.group_commit():
        await ask(store, "r0", due_in=20)
        await ask(store, "r1", due_in=10)
        async with store.peek() as ledger:
            assert await ledger.retailer_at(Address("telegram", 9001)) is not None
        assert await counts(store) == (0, 0, 0)
        assert not store.outbox_posted.is_set()
        assert due == []
    assert await counts(store) == (2, 2, 2)
    assert store.outbox_posted.is_set()
    assert due == [T0 + timedelta(minutes=10)]


async def test_a_failed_group_leaves_nothing_behind(store: SqlStore) -> None:
    with pytest.raises(RuntimeError, match="late"):
        async with store.group_commit():
            await ask(store, "r0")
            raise RuntimeError("late")
    assert await counts(store) == (0, 0, 0)


async def test_other_tasks_wait_for_the_group_instead_of_joining_it(store: SqlStore) -> None:
    async with store.group_commit():
        other = asyncio.create_task(ask(store, "r1"))
        await ask(store, "r0")
        await asyncio.sleep(0)
        assert not other.done()
    await other
    assert await counts(store) == (2, 2, 2)
