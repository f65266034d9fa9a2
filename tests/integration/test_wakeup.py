"""The alarm's one question: when is anything next due, steps, complaints and ratings alike."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert

from desk.policy import EscalationStep, Notify, Policy
from desk.tickets import Ticket
from storage.store import SqlStore
from storage.tables import complaints, ratings
from tests.databases import BACKENDS, migrated_engine

T0 = datetime(2026, 11, 26, 19, 0, tzinfo=UTC)
POLICY = Policy((EscalationStep(timedelta(minutes=15), Notify.MANAGER),))


class StillClock:
    """A clock that stays where the test puts it."""

    def now(self) -> datetime:
        return T0


@pytest.fixture(params=BACKENDS)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SqlStore]:
    async with migrated_engine(request.param, tmp_path) as engine:
        yield SqlStore(engine, StillClock())


async def wakeup(store: SqlStore) -> datetime | None:
    async with store.peek() as ledger:
        return await ledger.earliest_wakeup()


async def test_the_earliest_of_steps_complaints_and_unasked_ratings(store: SqlStore) -> None:
    assert await wakeup(store) is None
    async with store.transaction() as ledger:
        ticket = await ledger.create_ticket(
            Ticket(0, "r1", "m1", "m1", T0, POLICY, next_due_at=T0 + timedelta(minutes=30))
        )
    assert await wakeup(store) == T0 + timedelta(minutes=30)

    async with store.engine.begin() as conn:
        await conn.execute(
            insert(complaints).values(
                retailer_id="r1",
                manager_id="m1",
                opened_at=T0,
                policy="{}",
                last_step=-1,
                next_due_at=T0 + timedelta(minutes=20),
            )
        )
    assert await wakeup(store) == T0 + timedelta(minutes=20)

    async with store.engine.begin() as conn:
        # A rating already asked for waits for nothing, whatever its due time says.
        await conn.execute(
            insert(ratings).values(
                ticket_id=ticket.id,
                retailer_id="r1",
                manager_id="m1",
                due_at=T0 + timedelta(minutes=5),
                asked_at=T0,
            )
        )
    found = await wakeup(store)
    assert found == T0 + timedelta(minutes=20)
    assert found is not None and found.tzinfo is not None
