"""Run jobs at moments of the desk's clock, on asyncio tasks that belong to no channel."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from desk.clock import Clock
from handlers.waiting import first_of

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class _Plan:
    """A job, its first moment, and how to find the moment after a run (None: no more runs)."""

    job: Job
    at: datetime
    then: Callable[[], datetime | None]


class Scheduler:
    """Run one-shot and repeating jobs by name when the clock reaches their moment.

    The database holds every deadline that matters; these jobs only wake the parts that read
    it, so nothing is lost when a process stops with jobs still waiting. Moments are read from
    the injected clock: a test that moves a fake clock calls nudge() to have them looked at again.
    """

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._plans: dict[str, _Plan] = {}
        self._waiting: dict[str, asyncio.Task[None]] = {}
        self._running: set[asyncio.Task[None]] = set()
        self._moved = asyncio.Event()
        self._started = False

    def once(self, name: str, job: Job, at: datetime) -> None:
        """Run `job` once at `at`, in place of any job of that name still waiting."""
        self._plan(name, _Plan(job, at, lambda: None))

    def every(
        self, name: str, job: Job, interval: timedelta, *, first: timedelta | None = None
    ) -> None:
        """Run `job` every `interval`, the first time after `first` (default: one interval)."""
        start = self.clock.now() + (interval if first is None else first)
        self._plan(name, _Plan(job, start, lambda: self.clock.now() + interval))

    def following(self, name: str, job: Job, upcoming: Callable[[datetime], datetime]) -> None:
        """Run `job` at each moment `upcoming(now)` names, such as a weekly slot."""
        self._plan(name, _Plan(job, upcoming(self.clock.now()), lambda: upcoming(self.clock.now())))

    def cancel(self, name: str) -> None:
        """Drop the waiting job of that name; one already running finishes."""
        self._plans.pop(name, None)
        task = self._waiting.pop(name, None)
        if task is not None:
            task.cancel()

    def scheduled(self, name: str) -> bool:
        """Say whether a job of that name is waiting for its moment (not running)."""
        return name in self._plans

    def start(self) -> None:
        """Start waiting for every planned moment, those planned before the start included."""
        self._started = True
        for name, plan in self._plans.items():
            if name not in self._waiting:
                self._waiting[name] = self._task(name, plan)

    def nudge(self) -> None:
        """Have every waiting job read the clock again, after a fake clock was moved."""
        self._moved.set()
        self._moved = asyncio.Event()

    async def stop(self) -> None:
        """Drop every waiting job and let the running ones finish."""
        self._started = False
        waiting = list(self._waiting.values())
        self._waiting.clear()
        self._plans.clear()
        for task in waiting:
            task.cancel()
        await asyncio.gather(*waiting, *self._running, return_exceptions=True)

    def _plan(self, name: str, plan: _Plan) -> None:
        self.cancel(name)
        self._plans[name] = plan
        if self._started:
            self._waiting[name] = self._task(name, plan)

    def _task(self, name: str, plan: _Plan) -> asyncio.Task[None]:
        return asyncio.create_task(self._run(name, plan), name=f"scheduled {name}")

    async def _run(self, name: str, plan: _Plan) -> None:
        task = asyncio.current_task()
        assert task is not None
        at: datetime | None = plan.at
        while at is not None:
            await self._until(at)
            # Running from here on: a job planned meanwhile under this name is another one.
            if self._waiting.get(name) is task:
                del self._waiting[name]
                self._plans.pop(name, None)
            self._running.add(task)
            try:
                await plan.job()
            except Exception:
                log.exception("scheduled job %s failed; its next run tries again", name)
            finally:
                self._running.discard(task)
            at = plan.then()
            if at is None or not self._started or name in self._plans:
                return
            self._plans[name], self._waiting[name] = plan, task

    async def _until(self, at: datetime) -> None:
        """Wait until the clock reads `at` or later."""
        while (left := (at - self.clock.now()).total_seconds()) > 0:
            await first_of(self._moved, within=left)
