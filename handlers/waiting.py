"""Wait for the first of several events, or give up after a while."""

from __future__ import annotations

import asyncio


async def first_of(*events: asyncio.Event, within: float) -> bool:
    """Return True when any event is set within `within` seconds, else False."""
    waiters = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        done, _ = await asyncio.wait(waiters, timeout=within, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
    return bool(done)
