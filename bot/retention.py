"""Forget what the desk need not keep: handled raw updates, and the console's dead doors."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from datetime import timedelta

from sqlalchemy.exc import SQLAlchemyError

from bot.scheduler import Scheduler
from desk.clock import Clock
from storage.console import ConsoleAccess
from storage.inbox import Inbox

log = logging.getLogger(__name__)

# Often enough that nothing outlives its time by much, rarely enough to cost nothing.
PURGE_EVERY = timedelta(hours=1)


class Purge(ABC):
    """Delete, on a schedule, rows that have served their time."""

    # The scheduler's job name (one job per name) and what the log calls the rows.
    job: str
    rows: str

    def start(self, scheduler: Scheduler, every: timedelta = PURGE_EVERY) -> None:
        """Purge every `every` from now on (the start's own purge is tidy(), awaited)."""
        scheduler.every(self.job, self.tidy, every)

    @abstractmethod
    async def purge(self) -> int:
        """Delete what need not be kept any more; return how many rows went."""

    async def tidy(self) -> None:
        """Purge, logging a failure instead of raising it: the next round tries again."""
        try:
            await self.purge()
        except (SQLAlchemyError, OSError) as error:
            log.warning("%s purge failed, trying again later: %s", self.rows, type(error).__name__)


class Retention(Purge):
    """Purge a channel's inbox of handled updates older than [storage] keep_raw_updates."""

    rows = "inbox"

    def __init__(self, inbox: Inbox, clock: Clock, keep: timedelta) -> None:
        self.inbox = inbox
        self.clock = clock
        self.keep = keep
        # A job per channel's inbox: under one name, each would replace the one before.
        self.job = f"purge-{inbox.channel}"

    async def purge(self) -> int:
        """Delete handled raw updates older than the kept time; return how many went."""
        gone = await self.inbox.purge(self.clock.now() - self.keep)
        if gone:
            log.info("inbox: %d handled update(s) older than %s deleted", gone, self.keep)
        return gone


class ConsoleRetention(Purge):
    """Purge the console's login links past expiry and its ended or expired sessions."""

    job = "purge-console"
    rows = "console"

    def __init__(self, access: ConsoleAccess, clock: Clock) -> None:
        self.access = access
        self.clock = clock

    async def purge(self) -> int:
        """Delete links and sessions that open nothing any more; return how many went."""
        gone = await self.access.purge(self.clock.now())
        if gone:
            log.info("console: %d expired link(s) and ended session(s) deleted", gone)
        return gone
