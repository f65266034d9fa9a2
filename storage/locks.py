"""PostgreSQL advisory locks: one holder per key across every process on the database."""

from __future__ import annotations

import contextlib
import hashlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)

Listener = Callable[[], None]


def advisory_key(*parts: str) -> int:
    """Return a stable signed 64-bit lock key for a purpose, e.g. ("sender", token)."""
    # A digest, not hash(): the key must be the same in every process and on every run.
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class SessionLock:
    """A session-level advisory lock on a connection of its own, held until released or lost."""

    # The lock lives as long as the session: when the process dies, PostgreSQL ends the session
    # and another process can take the lock at once.

    def __init__(self, engine: AsyncEngine, key: int) -> None:
        self.engine = engine
        self.key = key
        self._conn: AsyncConnection | None = None
        self.held = False

    async def try_acquire(self) -> bool:
        """Take the lock if nobody holds it; True when this session holds it now."""
        if self.held:
            return True
        conn = await self._connection()
        got = await conn.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key})
        self.held = bool(got)
        return self.held

    async def check(self) -> bool:
        """Tell whether the lock is still held, that is, whether its session is alive."""
        if not self.held or self._conn is None:
            return False
        try:
            await self._conn.execute(text("SELECT 1"))
        except (SQLAlchemyError, OSError) as error:
            log.warning("lost the database session holding lock %s: %s", self.key, error)
            await self._drop()
            return False
        return True

    async def listen(self, channel: str, listener: Listener) -> None:
        """Call listener on every NOTIFY on channel, for as long as this session lives."""
        conn = await self._connection()
        raw = await conn.get_raw_connection()
        driver: Any = raw.driver_connection

        def _notified(*_args: object) -> None:
            listener()

        await driver.add_listener(channel, _notified)

    async def release(self) -> None:
        """Give the lock up and close the session."""
        if self._conn is not None and self.held:
            # Closing the session below releases it anyway.
            with contextlib.suppress(SQLAlchemyError, OSError):
                await self._conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
        await self._drop()

    async def _connection(self) -> AsyncConnection:
        if self._conn is None:
            conn = await self.engine.connect()
            # Autocommit: a session that idles in a transaction holds back vacuum.
            self._conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        return self._conn

    async def _drop(self) -> None:
        conn, self._conn, self.held = self._conn, None, False
        if conn is None:
            return
        try:
            await conn.invalidate()
            await conn.close()
        except (SQLAlchemyError, OSError) as error:
            log.debug("closing a lost lock session: %s", error)


@asynccontextmanager
async def exclusive(engine: AsyncEngine, key: int) -> AsyncIterator[None]:
    """Hold an advisory lock for the block, waiting for it (a no-op except on PostgreSQL)."""
    if engine.dialect.name != "postgresql":
        yield
        return
    async with engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
        try:
            yield
        finally:
            try:
                await conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
            except DBAPIError:
                await conn.invalidate()


async def notify(engine: AsyncEngine, channel: str) -> None:
    """Send an empty NOTIFY on a channel."""
    async with engine.connect() as conn:
        await conn.execute(text("SELECT pg_notify(:channel, '')"), {"channel": channel})
        await conn.commit()
