"""The Store: units of work over one engine, and the signals they raise on commit."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from desk.clock import Clock
from storage.ledger import SqlLedger

DueListener = Callable[[datetime], None]


class SqlStore:
    """Open transactions; tell the sender and the escalation engine what changed."""

    def __init__(self, engine: AsyncEngine, clock: Clock) -> None:
        self.engine = engine
        self.clock = clock
        self.outbox_posted = asyncio.Event()
        self._due_listeners: list[DueListener] = []
        # SQLite allows one writer; queueing in-process avoids busy-waiting on its file lock.
        self._writer = asyncio.Lock() if engine.dialect.name == "sqlite" else None

    @property
    def dialect(self) -> str:
        """Return the database's name: sqlite or postgresql."""
        return self.engine.dialect.name

    def on_due(self, listener: DueListener) -> None:
        """Call listener with a ticket's next due time after each commit that sets one."""
        self._due_listeners.append(listener)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqlLedger]:
        """Run the block in one write transaction."""
        async with self.writing(), self.engine.begin() as conn:
            ledger = SqlLedger(conn, self.clock)
            yield ledger
        if ledger.posted:
            self.outbox_posted.set()
        if ledger.due_set is not None:
            for listener in self._due_listeners:
                listener(ledger.due_set)

    @asynccontextmanager
    async def peek(self) -> AsyncIterator[SqlLedger]:
        """Read through the ledger on a connection that does not wait for the writer."""
        async with self.reading() as conn:
            yield SqlLedger(conn, self.clock)

    def writing(self) -> AbstractAsyncContextManager[object]:
        """Hold the in-process writer slot (a no-op on PostgreSQL)."""
        return self._writer if self._writer is not None else nullcontext()

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncConnection]:
        """Open a read-only connection that does not wait for the writer."""
        async with self.engine.connect() as conn:
            conn = await conn.execution_options(reading=True)
            yield conn

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()
