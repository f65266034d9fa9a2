"""Forget raw updates once handled and older than [storage] keep_raw_updates."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy.exc import SQLAlchemyError

from bot.scheduler import Scheduler
from desk.clock import Clock
from storage.inbox import Inbox

log = logging.getLogger(__name__)

# Often enough that nothing outlives its time by much, rarely enough to cost nothing.
PURGE_EVERY = timedelta(hours=1)


class Retention:
    """Purge the inbox of what it need not keep, on a schedule."""

    def __init__(self, inbox: Inbox, clock: Clock, keep: timedelta) -> None:
        self.inbox = inbox
        self.clock = clock
        self.keep = keep

    def start(self, scheduler: Scheduler, every: timedelta = PURGE_EVERY) -> None:
        """Purge every `every` from now on (the start's own purge is tidy(), awaited)."""
        # A job per channel's inbox: under one name, each would replace the one before.
        scheduler.every(f"purge-{self.inbox.channel}", self.tidy, every)

    async def purge(self) -> int:
        """Delete handled raw updates older than the kept time; return how many went."""
        gone = await self.inbox.purge(self.clock.now() - self.keep)
        if gone:
            log.info("inbox: %d handled update(s) older than %s deleted", gone, self.keep)
        return gone

    async def tidy(self) -> None:
        """Purge, logging a failure instead of raising it: the next round tries again."""
        try:
            await self.purge()
        except (SQLAlchemyError, OSError) as error:
            log.warning("inbox purge failed, trying again later: %s", type(error).__name__)
