"""The scheduler runs jobs when the injected clock reaches their moment, and no channel owns it."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from bot.scheduler import Job, Scheduler
from tests.unit.conftest import TUESDAY_10AM
from tests.unit.fakes import FakeClock


async def settle() -> None:
    """Let the scheduler's tasks take their turn."""
    for _ in range(5):
        await asyncio.sleep(0)


async def test_a_one_shot_job_runs_once_the_moved_clock_reaches_its_moment() -> None:
    clock = FakeClock(TUESDAY_10AM)
    scheduler = Scheduler(clock)
    ran: list[str] = []

    async def job() -> None:
        ran.append("rang")

    scheduler.once("alarm", job, TUESDAY_10AM + timedelta(hours=1))
    scheduler.start()
    await settle()
    assert ran == []
    assert scheduler.scheduled("alarm")

    clock.advance(hours=1)
    scheduler.nudge()
    await settle()
    assert ran == ["rang"]
    assert not scheduler.scheduled("alarm")
    await scheduler.stop()


async def test_a_new_plan_under_a_name_replaces_the_waiting_one() -> None:
    clock = FakeClock(TUESDAY_10AM)
    scheduler = Scheduler(clock)
    ran: list[str] = []

    def job(label: str) -> Job:
        async def run() -> None:
            ran.append(label)

        return run

    scheduler.start()
    scheduler.once("alarm", job("late"), TUESDAY_10AM + timedelta(hours=2))
    scheduler.once("alarm", job("early"), TUESDAY_10AM + timedelta(hours=1))
    clock.advance(hours=3)
    scheduler.nudge()
    await settle()
    assert ran == ["early"]
    await scheduler.stop()


async def test_a_repeating_job_runs_at_each_interval_and_a_failure_does_not_end_it() -> None:
    clock = FakeClock(TUESDAY_10AM)
    scheduler = Scheduler(clock)
    runs = 0

    async def sweep() -> None:
        nonlocal runs
        runs += 1
        raise RuntimeError("the next run tries again")

    scheduler.every("sweep", sweep, timedelta(minutes=1))
    scheduler.start()
    for _ in range(3):
        clock.advance(minutes=1)
        scheduler.nudge()
        await settle()
    assert runs == 3
    assert scheduler.scheduled("sweep")
    await scheduler.stop()
    assert not scheduler.scheduled("sweep")


async def test_a_job_planned_before_the_start_waits_for_it_and_stop_drops_what_waits() -> None:
    clock = FakeClock(TUESDAY_10AM)
    scheduler = Scheduler(clock)
    ran: list[str] = []

    async def job() -> None:
        ran.append("ran")

    scheduler.once("now", job, clock.now())
    await settle()
    assert ran == []
    scheduler.start()
    await settle()
    assert ran == ["ran"]

    scheduler.once("later", job, clock.now() + timedelta(days=1))
    await scheduler.stop()
    clock.advance(days=2)
    scheduler.nudge()
    await settle()
    assert ran == ["ran"]


async def test_a_weekly_slot_runs_at_each_moment_named_after_the_last() -> None:
    clock = FakeClock(TUESDAY_10AM)
    scheduler = Scheduler(clock)
    slots: list[str] = []

    def upcoming(now: datetime) -> datetime:
        return now + timedelta(days=7)

    async def job() -> None:
        slots.append(clock.now().isoformat())

    scheduler.following("weekly", job, upcoming)
    scheduler.start()
    clock.advance(days=7)
    scheduler.nudge()
    await settle()
    clock.advance(days=7)
    scheduler.nudge()
    await settle()
    assert len(slots) == 2
    await scheduler.stop()
