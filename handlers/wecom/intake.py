"""Hand a WeCom channel's stored updates to their handler, one at a time, settling each."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from handlers.draining import drain
from storage.inbox import Inbox, Pending
from storage.trouble import brief

log = logging.getLogger(__name__)

# Takes one stored update; returns whether it settled it itself (in its own transaction).
Handler = Callable[[Pending], Awaitable[bool]]


class Intake:
    """Run the inbox of one channel through its handler; a failing update is tried again."""

    def __init__(
        self,
        inbox: Inbox,
        handler: Handler,
        passing: Callable[[BaseException], bool],
        *,
        idle: float = 5.0,
    ) -> None:
        self.inbox = inbox
        self.handler = handler
        self.passing = passing
        self.arrived = asyncio.Event()
        # Updates stored by another worker wake nobody here, so idle waits are bounded.
        self.idle = idle

    def wake(self) -> None:
        """Signal that new updates were stored."""
        self.arrived.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Handle batches until stopped, sleeping while the inbox is empty."""
        await drain(
            self.process_batch,
            self.arrived,
            stop,
            channel=self.inbox.channel,
            idle=self.idle,
            passing=self.passing,
        )

    async def process_batch(self, limit: int = 100) -> int:
        """Handle one batch of pending updates in order; return how many were settled or parked."""
        count = 0
        stalled: set[str | None] = set()
        for entry in await self.inbox.pending(limit):
            if entry.chat_id in stalled:
                continue
            try:
                settled = await self.handler(entry)
            except Exception as error:
                if self.passing(error):
                    # Not the update's fault: it waits, uncounted, and so does its chat.
                    log.warning("update %s waits: %s", entry.update_id, brief(error))
                    stalled.add(entry.chat_id)
                    continue
                log.error("update %s failed: %s", entry.update_id, brief(error), exc_info=error)
                if not await self.inbox.failed(entry, brief(error)):
                    stalled.add(entry.chat_id)
                count += 1
                continue
            if not settled:
                await self.inbox.settle([entry.id])
            count += 1
        return count
