"""Wake the escalation engine at the earliest due time, with a periodic sweep as a net."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.scheduler import Scheduler
from desk.clock import Clock
from escalation.engine import Escalator

log = logging.getLogger(__name__)

SWEEP = "escalation-sweep"
ALARM = "escalation-alarm"


class Alarm:
    """Keep one one-shot job armed for the earliest due step; the database holds the truth."""

    def __init__(
        self, scheduler: Scheduler, escalator: Escalator, clock: Clock, sweep_every: timedelta
    ) -> None:
        self.scheduler = scheduler
        self.escalator = escalator
        self.clock = clock
        self.sweep_every = sweep_every
        self.armed_for: datetime | None = None
        self.fired = 0

    def start(self) -> None:
        """Schedule the safety-net sweep."""
        self.scheduler.every(SWEEP, self._ring, self.sweep_every)

    def arm(self, due: datetime) -> None:
        """Make sure a wake-up is set no later than `due`."""
        if self.armed_for is not None and self.armed_for <= due:
            return
        # Read against the clock the desk runs on, so a test that moves it moves the alarm too.
        self.scheduler.once(ALARM, self._ring, due)
        self.armed_for = due

    async def fire(self) -> int:
        """Fire everything due now and re-arm for what comes next."""
        moved = 0
        # The earliest due time says both whether anything is due and when to wake next, so a
        # sweep with nothing due costs one indexed read and no write transaction.
        upcoming = await self.escalator.earliest_due()
        if upcoming is not None and upcoming <= self.clock.now():
            self.armed_for = None
            moved = await self.escalator.fire_due()
            self.fired += moved
            upcoming = await self.escalator.earliest_due()
        if not self.scheduler.scheduled(ALARM):
            self.armed_for = None
        if upcoming is not None:
            # arm() only ever moves the wake-up earlier, so a due time set meanwhile stands.
            self.arm(upcoming)
        return moved

    async def _ring(self) -> None:
        try:
            await self.fire()
        except Exception:
            log.exception("escalation round failed; the sweep will try again")
