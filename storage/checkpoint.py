"""Copy SQLite's write-ahead log back into the database file, off the writer's path.

SQLite copies the log back (and syncs the file) inside whichever commit finds it long. On a
province-sized file that takes a second or more, and the one writer waits meanwhile: a
question's batch or a due escalation step. A passive checkpoint on a connection of its own,
every second, keeps the log short so commits rarely have to; it never blocks the writer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3

from sqlalchemy.ext.asyncio import AsyncEngine

from storage.sqlite_driver import OneHopConnection

log = logging.getLogger(__name__)


def _passive(conn: sqlite3.Connection) -> tuple[int, int, int]:
    """Checkpoint what readers allow; return (busy, log pages, pages copied)."""
    busy, pages, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    return int(busy), int(pages), int(copied)


class Checkpointer:
    """Run a passive checkpoint every `every` seconds until stopped."""

    def __init__(self, engine: AsyncEngine, every: float = 1.0) -> None:
        self.engine = engine
        self.every = every
        self.runs = 0
        # What the latest checkpoint found: (busy, log pages, pages copied back).
        self.last: tuple[int, int, int] | None = None

    async def checkpoint(self) -> tuple[int, int, int]:
        """Checkpoint once, outside any transaction."""
        async with self.engine.connect() as conn:
            raw = await conn.get_raw_connection()
            driver = raw.driver_connection
            assert isinstance(driver, OneHopConnection)
            done: tuple[int, int, int] = await driver.in_thread(_passive)
        self.runs += 1
        self.last = done
        return done

    async def run(self, stop: asyncio.Event) -> None:
        """Checkpoint periodically; trouble is logged and tried again, never raised."""
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.every)
            if stop.is_set():
                return
            try:
                await self.checkpoint()
            except Exception as error:
                # A locked or full disk slows checkpoints down; SQLite still checkpoints itself.
                log.warning("checkpoint skipped: %s", type(error).__name__)
