"""Raw updates are forgotten once handled and older than [storage] keep_raw_updates."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.retention import Retention
from bot.scheduler import Scheduler
from storage.inbox import Arrival, Inbox
from storage.store import SqlStore
from storage.tables import inbox
from tests.databases import BACKENDS, migrated_engine
from tests.unit.fakes import FakeClock

T0 = datetime(2026, 11, 26, 19, 0, tzinfo=UTC)
# A stranger shares a phone number that matches nobody on the roster.
STRANGER = json.dumps({"update_id": 1, "message": {"contact": {"phone_number": "13700001111"}}})


@pytest.fixture(params=BACKENDS)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SqlStore]:
    async with migrated_engine(request.param, tmp_path) as engine:
        yield SqlStore(engine, FakeClock(T0))


async def kept(store: SqlStore) -> list[tuple[int, str]]:
    async with store.reading() as conn:
        query = select(inbox.c.update_id, inbox.c.state).order_by(inbox.c.update_id)
        return [(row.update_id, row.state) for row in (await conn.execute(query)).all()]


async def handled(box: Inbox, at: datetime, *arrivals: Arrival) -> None:
    await box.keep(arrivals, at)
    await box.settle(
        [p.id for p in await box.pending() if p.update_id in {a.update_id for a in arrivals}]
    )


async def test_handled_updates_go_after_the_kept_time_and_the_rest_stay(store: SqlStore) -> None:
    clock = store.clock
    assert isinstance(clock, FakeClock)
    box = Inbox(store)
    await handled(box, T0, Arrival(1, "9009", STRANGER), Arrival(2, "9001", "{}"))
    await box.keep([Arrival(3, "9002", "{}")], T0)  # not handled yet
    await box.failed((await box.pending())[0], "unreadable", final=True)  # parked for an admin
    await box.keep([Arrival(4, "9001", "{}")], T0 + timedelta(days=6))
    await box.settle([p.id for p in await box.pending()])
    retention = Retention(box, clock, timedelta(days=7))

    assert await retention.purge() == 0
    clock.advance(days=7, seconds=1)
    assert await retention.purge() == 2

    assert await kept(store) == [(3, "dead"), (4, "done")]
    clock.advance(days=30)
    # The newest stays whatever its age: polling resumes after it.
    assert await retention.purge() == 0
    assert await kept(store) == [(3, "dead"), (4, "done")]
    assert await box.last_update_id() == 4


async def test_each_channel_s_inbox_is_purged_on_a_schedule_of_its_own(store: SqlStore) -> None:
    clock = store.clock
    assert isinstance(clock, FakeClock)
    scheduler = Scheduler(clock)
    for channel in ("telegram", "fake"):
        Retention(Inbox(store, channel), clock, timedelta(days=7)).start(scheduler)
    assert scheduler.scheduled("purge-telegram")
    assert scheduler.scheduled("purge-fake")
