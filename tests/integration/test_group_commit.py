"""Group commit: many units of work share one commit, yet each stays atomic on its own."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, insert, select

from desk.notices import Notice, NoticeKind
from desk.people import Address
from desk.policy import EscalationStep, Notify, Policy
from desk.supply import OrderLine, SupplyRequest
from desk.tickets import Event, EventKind, Ticket, TicketStatus
from storage.store import SqlStore
from storage.tables import events, inbox, outbox, retailers, supply_requests, tickets
from tests.databases import migrated_engine, seed_retailers

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
            await seed_retailers(
                conn,
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
        await ledger.post(Notice("m1", Address("telegram", "5001"), NoticeKind.QUESTION, "zh"))
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
            assert await ledger.retailer_at(Address("telegram", "9001")) is not None
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


def statements_of(store: SqlStore) -> list[str]:
    """Record every statement the store's engine runs from now on."""
    seen: list[str] = []

    @event.listens_for(store.engine.sync_engine, "before_cursor_execute")
    def _seen(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        seen.append(statement.split()[0].upper())

    return seen


async def test_a_unit_that_only_queues_rows_opens_no_savepoint(store: SqlStore) -> None:
    seen = statements_of(store)
    async with store.group_commit():
        await ask(store, "r0")
        await ask(store, "r1")
    assert "SAVEPOINT" not in seen
    # Both new tickets, their events and notices went in as one insert per table.
    assert seen.count("INSERT") == 3
    assert await counts(store) == (2, 2, 2)


async def test_a_unit_s_direct_write_rolls_back_with_it(store: SqlStore) -> None:
    until = T0 + timedelta(minutes=5)
    async with store.group_commit():
        await ask(store, "r0")
        with pytest.raises(RuntimeError, match="boom"):
            async with store.transaction() as ledger:
                await ledger.expect("r1", "complaint", until)
                raise RuntimeError("boom")
        async with store.transaction() as ledger:
            await ledger.expect("r2", "order", until)
    async with store.reading() as conn:
        awaiting = dict((await conn.execute(select(retailers.c.id, retailers.c.awaiting))).all())
    assert awaiting == {"r0": None, "r1": None, "r2": "order"}
    assert await counts(store) == (1, 1, 1)


async def test_new_tickets_are_numbered_on_from_the_highest(store: SqlStore) -> None:
    first = await ask(store, "r0")
    async with store.group_commit():
        second = await ask(store, "r1")
        with pytest.raises(RuntimeError, match="boom"):
            await ask(store, "r2", fail=True)
        third = await ask(store, "r2")
        async with store.transaction() as ledger:
            # A ticket still waiting to be inserted is written before it is read.
            found = await ledger.ticket(third)
    assert (second, third) == (first + 1, first + 3)
    assert found is not None and found.retailer_id == "r2"
    async with store.reading() as conn:
        stored = (await conn.scalars(select(tickets.c.id).order_by(tickets.c.id))).all()
    assert stored == [first, second, third]


async def test_read_ahead_answers_who_and_which_ticket_without_a_statement(
    store: SqlStore,
) -> None:
    opened = await ask(store, "r0")
    async with store.group_commit() as group:
        await group.batch.read_ahead(
            group.conn, [Address("telegram", c) for c in ("9000", "9001", "7777")]
        )
        seen = statements_of(store)
        async with store.transaction() as ledger:
            zero = await ledger.retailer_at(Address("telegram", "9000"))
            stranger = await ledger.retailer_at(Address("telegram", "7777"))
            ticket = await ledger.open_ticket_of("r0")
            none = await ledger.open_ticket_of("r1")
            assert ticket is not None
            await ledger.save_ticket(ticket.evolve(status=TicketStatus.RESOLVED, resolved_at=T0))
            closed = await ledger.open_ticket_of("r0")
        # The reads cost nothing; closing the ticket is its one write, in the unit's savepoint.
        assert seen == ["SAVEPOINT", "UPDATE", "RELEASE"]
    assert zero is not None and zero.id == "r0"
    assert stranger is None and none is None
    assert ticket.id == opened and closed is None


async def test_a_rolled_back_unit_leaves_no_stale_reads(store: SqlStore) -> None:
    opened = await ask(store, "r0")
    async with store.group_commit() as group:
        await group.batch.read_ahead(group.conn, [Address("telegram", "9000")])
        with pytest.raises(RuntimeError, match="boom"):
            async with store.transaction() as ledger:
                ticket = await ledger.open_ticket_of("r0")
                assert ticket is not None
                await ledger.save_ticket(
                    ticket.evolve(status=TicketStatus.RESOLVED, resolved_at=T0)
                )
                raise RuntimeError("boom")
        async with store.transaction() as ledger:
            again = await ledger.open_ticket_of("r0")
    assert again is not None and again.id == opened and again.is_open


async def test_an_update_read_as_new_is_settled_once_and_marked_with_the_batch(
    store: SqlStore,
) -> None:
    async with store.engine.begin() as conn:
        for update_id in (41, 42):
            await conn.execute(
                insert(inbox).values(
                    channel="telegram", update_id=update_id, payload="{}", received_at=T0
                )
            )
    async with store.group_commit() as group:
        group.batch.fresh = {("telegram", 41), ("telegram", 42)}
        async with store.transaction() as ledger:
            assert await ledger.settle("telegram", 41)
            assert not await ledger.settle("telegram", 41)
        with pytest.raises(RuntimeError, match="boom"):
            async with store.transaction() as ledger:
                assert await ledger.settle("telegram", 42)
                raise RuntimeError("boom")
    async with store.reading() as conn:
        states = dict((await conn.execute(select(inbox.c.update_id, inbox.c.state))).all())
    assert states == {41: "done", 42: "new"}


async def test_a_direct_write_about_a_queued_ticket_inserts_the_ticket_first(
    store: SqlStore,
) -> None:
    async with store.group_commit():
        opened = await ask(store, "r0")
        async with store.transaction() as ledger:
            # The order refers to the ticket, which is still waiting for the end of the batch.
            draft = SupplyRequest(0, opened, "r0", "m1", OrderLine("软中华", "2条"), T0)
            order = await ledger.create_supply(draft)
    async with store.reading() as conn:
        stored = (await conn.execute(select(supply_requests.c.ticket_id))).scalars().all()
    assert order.id > 0 and stored == [opened]


async def test_a_later_unit_changes_a_ticket_still_queued(store: SqlStore) -> None:
    later = T0 + timedelta(hours=2)
    async with store.group_commit():
        opened = await ask(store, "r0")
        async with store.transaction() as ledger:
            ticket = await ledger.open_ticket_of("r0")
            assert ticket is not None
            # Queued by the unit before: it is inserted first, then changed.
            await ledger.save_ticket(ticket.evolve(next_due_at=later))
    async with store.reading() as conn:
        due = await conn.scalar(select(tickets.c.next_due_at).where(tickets.c.id == opened))
    assert due == later
