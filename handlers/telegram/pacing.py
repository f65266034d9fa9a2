"""Pace Bot API sends so no one-second window ever holds more than the configured rate."""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.ext import AIORateLimiter, BaseRateLimiter

JSONDict = dict[str, Any]
Result = bool | JSONDict | list[JSONDict]

# How much later than its start one send may reach Telegram than another (event loop, pool).
ARRIVAL_JITTER = 0.05


class SlidingWindow:
    """Admit at most `count` starts in any `period` seconds, first come first served."""

    def __init__(
        self, rate: float, *, margin: float = 0.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        # A leaky bucket lets a full bucket burst on top of the steady rate, which doubles
        # what a one-second window can see; a window of past starts cannot.
        self.count = max(1, math.floor(rate))
        # Telegram counts arrivals, not starts: sends that start evenly can arrive bunched by
        # up to the margin and still fit the rate at the far end.
        self.period = self.count / rate + margin
        self.clock = clock
        self._starts: deque[float] = deque()
        self._turn = asyncio.Lock()

    def delay(self) -> float:
        """Return how long the next start must wait now (0 when it may go at once)."""
        now = self.clock()
        while self._starts and self._starts[0] <= now - self.period:
            self._starts.popleft()
        if len(self._starts) < self.count:
            return 0.0
        return self._starts[0] + self.period - now

    async def acquire(self) -> None:
        """Wait for a free place in the window and take it."""
        async with self._turn:
            wait = self.delay()
            if wait > 0:
                await asyncio.sleep(wait)
                # The window was full; its oldest start has just left it.
                self._starts.popleft()
            self._starts.append(self.clock())


class PacedLimiter(BaseRateLimiter[int]):
    """PTB's AIORateLimiter for group limits, with a strict overall window for every chat send."""

    def __init__(self, messages_per_second: float) -> None:
        self.window = SlidingWindow(messages_per_second, margin=ARRIVAL_JITTER)
        # The outbox retries 429s itself, so the inner limiter only paces groups, never retries.
        self._groups = AIORateLimiter(overall_max_rate=0, max_retries=0)

    async def initialize(self) -> None:
        """Start the inner limiter."""
        await self._groups.initialize()

    async def shutdown(self) -> None:
        """Stop the inner limiter."""
        await self._groups.shutdown()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Result:
        """Wait for the group limit, then for a place in the window, then send."""
        if data.get("chat_id") is None:
            return await callback(*args, **kwargs)

        async def paced(*inner_args: Any, **inner_kwargs: Any) -> Result:
            # Taken last, right before the request, so the window sees when sends really start.
            await self.window.acquire()
            return await callback(*inner_args, **inner_kwargs)

        return await self._groups.process_request(
            paced, args, kwargs, endpoint, data, rate_limit_args
        )
