"""One sender per bot across workers, one poller per bot, and a strict send window."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from bot.leader import Seat
from desk.clock import SystemClock
from handlers.telegram.pacing import PacedLimiter, SlidingWindow
from handlers.telegram.poller import AlreadyPollingError, hold_polling
from storage.engine import make_engine
from storage.locks import SessionLock, advisory_key
from storage.migrate import upgrade
from storage.store import SqlStore
from tests.databases import fresh_database, migrated_engine, needs_postgres

TOKEN = "123456:TEST-TOKEN"


@pytest.fixture
async def stores() -> AsyncIterator[list[SqlStore]]:
    """Three stores on one fresh database, one per pretend worker process."""
    async with fresh_database() as url:
        made = [SqlStore(make_engine(url), SystemClock()) for _ in range(3)]
        await upgrade(made[0].engine)
        try:
            yield made
        finally:
            for store in made:
                await store.dispose()


class Duty:
    """Record when each seat's duty runs, so overlaps show."""

    def __init__(self) -> None:
        self.running: set[int] = set()
        self.overlaps = 0
        self.started: list[int] = []

    def for_seat(self, n: int) -> Any:
        async def duty(stop: asyncio.Event) -> None:
            self.overlaps += bool(self.running)
            self.running.add(n)
            self.started.append(n)
            try:
                await stop.wait()
            finally:
                self.running.discard(n)

        return duty


async def until(condition: Any, within: float = 10.0) -> None:
    """Wait for a condition the code under test reaches by itself; fail after `within`."""
    deadline = asyncio.get_running_loop().time() + within
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.02)


@needs_postgres
async def test_one_seat_leads_and_another_takes_over_when_its_session_dies(
    stores: list[SqlStore],
) -> None:
    duty = Duty()
    seats = [
        Seat(store, TOKEN, duty.for_seat(n), every=0.05, grace=0.3)
        for n, store in enumerate(stores)
    ]
    stop = asyncio.Event()
    runs = [asyncio.create_task(seat.run(stop)) for seat in seats]
    await until(lambda: len(duty.running) == 1)
    [leader] = duty.running
    assert [seat.leading for seat in seats].count(True) == 1

    # The leader's database session is cut, as when its process dies or its link drops.
    async with stores[0].engine.connect() as conn:
        # The seat's lock is the only advisory lock on this fresh database.
        await conn.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory'")
        )
    await until(lambda: len(duty.started) == 2)
    assert duty.started[1] != leader
    assert not seats[leader].leading
    assert duty.overlaps == 0, "the deposed sender stopped before the next one began"

    stop.set()
    await asyncio.gather(*runs)
    for seat in seats:
        await seat.release()


async def test_on_sqlite_the_only_process_is_the_sender(tmp_path: Path) -> None:
    async with migrated_engine("sqlite", tmp_path) as engine:
        duty = Duty()
        seat = Seat(SqlStore(engine, SystemClock()), TOKEN, duty.for_seat(0))
        stop = asyncio.Event()
        run = asyncio.create_task(seat.run(stop))
        await until(lambda: duty.started == [0])
        assert seat.leading and seat.lock is None
        stop.set()
        await run


@needs_postgres
async def test_a_second_poller_of_the_same_bot_is_refused(stores: list[SqlStore]) -> None:
    first = await hold_polling(stores[0], TOKEN)
    with pytest.raises(AlreadyPollingError, match="one getUpdates consumer per token"):
        await hold_polling(stores[1], TOKEN)
    other_bot = await hold_polling(stores[1], "654321:OTHER")
    assert first is not None and other_bot is not None
    await first.release()
    again = await hold_polling(stores[2], TOKEN)
    assert again is not None
    for lock in (other_bot, again):
        await lock.release()


@needs_postgres
async def test_a_session_lock_has_one_holder(stores: list[SqlStore]) -> None:
    key = advisory_key("test", "lock")
    a, b = SessionLock(stores[0].engine, key), SessionLock(stores[1].engine, key)
    assert await a.try_acquire()
    assert await a.check()
    assert not await b.try_acquire()
    await a.release()
    assert await b.try_acquire()
    await b.release()


def test_lock_keys_are_stable_signed_64_bit_numbers() -> None:
    key = advisory_key("sender", TOKEN)
    assert key == advisory_key("sender", TOKEN) != advisory_key("polling", TOKEN)
    assert -(2**63) <= key < 2**63


class FakeTime:
    """A monotonic clock the test sets."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_the_window_admits_the_rate_and_then_waits_for_the_oldest_to_leave() -> None:
    time = FakeTime()
    window = SlidingWindow(3, clock=time)
    for _ in range(3):
        assert window.delay() == 0
        await window.acquire()
    assert window.delay() == pytest.approx(1.0)
    time.now += 0.4
    assert window.delay() == pytest.approx(0.6)
    time.now += 0.6
    assert window.delay() == 0


async def test_a_margin_holds_each_place_longer_so_bunched_arrivals_still_fit() -> None:
    time = FakeTime()
    window = SlidingWindow(2, margin=0.05, clock=time)
    await window.acquire()
    await window.acquire()
    time.now += 1.0
    assert window.delay() == pytest.approx(0.05)
    time.now += 0.05
    assert window.delay() == 0


def test_a_fractional_rate_spaces_single_sends() -> None:
    window = SlidingWindow(0.5)
    assert (window.count, window.period) == (1, 2.0)
    window = SlidingWindow(2.5)
    assert (window.count, window.period) == (2, pytest.approx(0.8))


async def test_only_chat_sends_take_a_place_in_the_window() -> None:
    limiter = PacedLimiter(10)
    await limiter.initialize()

    async def call(*_args: Any, **_kwargs: Any) -> bool:
        return True

    await limiter.process_request(call, (), {}, "getUpdates", {}, None)
    await limiter.process_request(call, (), {}, "setWebhook", {"url": "x"}, None)
    assert len(limiter.window._starts) == 0
    await limiter.process_request(call, (), {}, "sendMessage", {"chat_id": 5001}, None)
    await limiter.process_request(call, (), {}, "sendMessage", {"chat_id": -100}, None)
    assert len(limiter.window._starts) == 2
    await limiter.shutdown()
