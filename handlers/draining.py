"""Drain a channel's inbox batch after batch, backing off while it cannot be read."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from handlers.waiting import first_of
from storage.trouble import brief

log = logging.getLogger(__name__)

MAX_PAUSE = 30.0


async def drain(
    batch: Callable[[], Awaitable[int]],
    arrived: asyncio.Event,
    stop: asyncio.Event,
    *,
    channel: str,
    idle: float,
    passing: Callable[[BaseException], bool],
) -> None:
    """Run batches until stopped: sleep while nothing comes, back off while a batch fails."""
    pause = 1.0
    while not stop.is_set():
        arrived.clear()
        try:
            handled = await batch()
        except Exception as error:
            # Updates stay in the inbox unsettled; nothing is lost by trying again later.
            log.error(
                "%s inbox processing paused for %.0fs: %s",
                channel,
                pause,
                brief(error),
                exc_info=None if passing(error) else error,
            )
            await first_of(stop, within=pause)
            pause = min(pause * 2, MAX_PAUSE)
            continue
        pause = 1.0
        if handled == 0:
            await first_of(arrived, stop, within=idle)
