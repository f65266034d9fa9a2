"""Handled raw updates go after [storage] keep_raw_updates; console links and sessions once dead."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import build
from bot.config import Settings
from bot.retention import ConsoleRetention, Retention
from bot.scheduler import Scheduler
from storage.console import ConsoleAccess, LinkState
from storage.inbox import Arrival, Inbox
from storage.store import SqlStore
from storage.tables import console_logins, console_sessions, inbox
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


async def console_rows(store: SqlStore) -> tuple[set[str], set[str]]:
    """Return the staff ids of the stored login links and of the stored sessions."""
    async with store.reading() as conn:
        links = (await conn.execute(select(console_logins.c.staff_id))).scalars()
        sessions = (await conn.execute(select(console_sessions.c.staff_id))).scalars()
        return set(links), set(sessions)


async def test_console_links_past_expiry_and_dead_sessions_go_and_live_ones_stay(
    store: SqlStore,
) -> None:
    clock = store.clock
    assert isinstance(clock, FakeClock)
    access = ConsoleAccess(store)
    spent = await access.issue_link("m1")
    opened = await access.spend_link(spent)
    assert opened is not None
    unused = await access.issue_link("m2")
    await access.issue_link("s1")  # spent by nobody, expires with the others
    out = await access.open_session("m2")
    await access.end_session(out.cookie)
    retention = ConsoleRetention(access, clock)

    # The logout's session goes at once; every link is still within its 15 minutes.
    assert await retention.purge() == 1
    assert await console_rows(store) == ({"m1", "m2", "s1"}, {"m1"})
    clock.advance(minutes=14)
    fresh = await access.issue_link("s1")
    clock.advance(minutes=1)
    assert await retention.purge() == 3
    assert await console_rows(store) == ({"s1"}, {"m1"})
    assert await access.link_state(fresh) is LinkState.VALID
    assert await access.link_state(unused) is LinkState.UNKNOWN
    # A working day after signing in, m1's session has expired too.
    clock.advance(hours=10)
    assert await retention.purge() == 2
    assert await console_rows(store) == (set(), set())
    assert await access.session(opened.cookie) is None


class WatchedConsoleRetention(ConsoleRetention):
    """The console's purge, telling the test each time it has run."""

    def __init__(self, access: ConsoleAccess, clock: FakeClock) -> None:
        super().__init__(access, clock)
        self.ran = asyncio.Event()

    async def purge(self) -> int:
        gone = await super().purge()
        self.ran.set()
        return gone


async def test_the_console_is_purged_hourly_on_the_desk_s_clock(store: SqlStore) -> None:
    clock = store.clock
    assert isinstance(clock, FakeClock)
    access = ConsoleAccess(store)
    await access.issue_link("s1")
    scheduler = Scheduler(clock)
    retention = WatchedConsoleRetention(access, clock)
    retention.start(scheduler)
    assert scheduler.scheduled("purge-console")
    scheduler.start()
    try:
        clock.advance(minutes=59)
        scheduler.nudge()
        await asyncio.sleep(0)
        assert not retention.ran.is_set()

        clock.advance(minutes=1)
        scheduler.nudge()
        async with asyncio.timeout(10):
            await retention.ran.wait()
    finally:
        await scheduler.stop()
    assert await console_rows(store) == (set(), set())


def test_the_app_purges_the_console_beside_each_inbox(tmp_path: Path) -> None:
    mapping = {
        "telegram": {"token": "123456:TEST"},
        "storage": {"url": f"sqlite:///{tmp_path / 'desk.db'}"},
        "supervisors": [{"id": "s1", "name": "陈主任", "telegram_id": 7001}],
        "managers": [{"id": "m1", "name": "李经理", "telegram_id": 5001, "supervisor": "s1"}],
    }
    app = build(Settings.from_mapping(mapping, {}, config_dir=tmp_path))

    assert [purge.job for purge in app.retentions] == ["purge-telegram", "purge-console"]
