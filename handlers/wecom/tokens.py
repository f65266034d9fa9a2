"""Keep one access_token per app, fetched by one caller at a time and renewed before expiry."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from desk.clock import Clock

#: Fetch a fresh token: its value and its lifetime in seconds (gettoken's expires_in).
Fetch = Callable[[], Awaitable[tuple[str, int]]]


class TokenCache:
    """Hand out the cached access_token, fetching a new one single-flight when needed."""

    def __init__(self, fetch: Fetch, clock: Clock, *, margin: timedelta = timedelta(minutes=5)):
        self._fetch = fetch
        self._clock = clock
        self._margin = margin
        self._lock = asyncio.Lock()
        self._token: str | None = None
        self._renew_at: datetime | None = None

    def _fresh(self) -> str | None:
        if self._token is None or self._renew_at is None:
            return None
        return self._token if self._clock.now() < self._renew_at else None

    async def get(self) -> str:
        """Return a token that is not near its expiry, fetching one if there is none."""
        token = self._fresh()
        if token is not None:
            return token
        async with self._lock:
            # Whoever held the lock before us may have fetched it already: one gettoken, not N.
            token = self._fresh()
            if token is not None:
                return token
            value, expires_in = await self._fetch()
            lifetime = timedelta(seconds=expires_in)
            early = lifetime - self._margin
            # Renew early, so a call rarely leaves with a token that dies on the way. WeCom
            # hands back the same token with what is left of its life until it runs out, so a
            # short-lived one is used to its end; the one refresh after 42001 covers that edge.
            self._renew_at = self._clock.now() + (early if early > self._margin else lifetime)
            self._token = value
            return value

    def forget(self, token: str) -> None:
        """Drop this token after WeCom refused it, unless a newer one has replaced it already."""
        if token == self._token:
            self._token = None
            self._renew_at = None
