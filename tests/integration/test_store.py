"""What only the SQL store does, on SQLite and (where configured) PostgreSQL.

The inbox the intake fills, the outbox's leases, and the due times a commit announces. What
every store keeps alike, the fake included, is in the contract suites under `contracts/`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desk.complaints import Complaint, ComplaintPolicy
from desk.notices import Notice, NoticeKind
from desk.people import Address
from desk.policy import EscalationStep, Notify, Policy
from desk.ratings import Rating
from desk.tickets import Ticket
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


async def test_a_commit_tells_the_alarm_the_earliest_time_it_set(store: SqlStore) -> None:
    told: list[datetime] = []
    store.on_due(told.append)
    async with store.transaction() as ledger:
        ticket = await ledger.create_ticket(Ticket(0, "r1", "m1", "m1", T0, POLICY))
        await ledger.save_ticket(ticket.evolve(next_due_at=T0 + timedelta(hours=3)))
        await ledger.save_rating(Rating(ticket.id, "r1", "m1", due_at=T0 + timedelta(hours=24)))
        complaint = await ledger.create_complaint(
            Complaint(0, "r1", "m1", "s1", T0, ComplaintPolicy())
        )
        await ledger.save_complaint(complaint.evolve(next_due_at=T0 + timedelta(hours=2)))
    async with store.transaction() as ledger:
        # A rating already asked for sets nothing to wake up for.
        await ledger.save_rating(Rating(ticket.id, "r1", "m1", due_at=T0, asked_at=T0))
    assert told == [T0 + timedelta(hours=2)]
