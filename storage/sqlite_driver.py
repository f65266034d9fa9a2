"""aiosqlite with one trip to its thread per statement, for SQLAlchemy's async engine.

SQLAlchemy's aiosqlite adapter makes four trips to the driver's thread for each statement
(open a cursor, execute, fetch, close). Each trip wakes a thread and the event loop, which
costs far more than SQLite's own work on a small statement. Here a cursor executes, fetches
every row and closes in one trip; fetches then read what it brought back.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Self

import aiosqlite

Row = tuple[Any, ...]
Description = tuple[tuple[Any, ...], ...] | None


@dataclass(frozen=True)
class _Outcome:
    """What one statement left behind in the driver's thread."""

    rows: list[Row]
    description: Description
    rowcount: int
    lastrowid: int | None


def _run(conn: sqlite3.Connection, sql: str, parameters: Any, many: bool) -> _Outcome:
    """Execute one statement and read everything it returns; runs in the driver's thread."""
    cursor = conn.executemany(sql, parameters) if many else conn.execute(sql, parameters)
    try:
        description = cursor.description
        # RETURNING rows and the row count are only complete once every row was read.
        rows = cursor.fetchall() if description else []
        return _Outcome(rows, description, cursor.rowcount, cursor.lastrowid)
    finally:
        cursor.close()


class PrefetchedCursor:
    """A cursor whose statement runs, fetches and closes in one trip to the thread."""

    arraysize = 1

    def __init__(self, connection: OneHopConnection) -> None:
        self._connection = connection
        self._rows: list[Row] = []
        self.description: Description = None
        self.rowcount = -1
        self.lastrowid: int | None = None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def execute(self, sql: str, parameters: Iterable[Any] | None = None) -> Self:
        """Run a statement and keep its rows."""
        return await self._take(sql, parameters if parameters is not None else (), many=False)

    async def executemany(self, sql: str, parameters: Iterable[Iterable[Any]]) -> Self:
        """Run a statement once per parameter set."""
        return await self._take(sql, parameters, many=True)

    async def _take(self, sql: str, parameters: Any, *, many: bool) -> Self:
        outcome: _Outcome = await self._connection.in_thread(_run, sql, parameters, many)
        self._rows = outcome.rows
        self.description = outcome.description
        self.rowcount = outcome.rowcount
        self.lastrowid = outcome.lastrowid
        return self

    async def fetchone(self) -> Row | None:
        """Return the next row, if any."""
        return self._rows.pop(0) if self._rows else None

    async def fetchmany(self, size: int | None = None) -> Sequence[Row]:
        """Return up to `size` rows."""
        count = size or self.arraysize
        taken, self._rows = self._rows[:count], self._rows[count:]
        return taken

    async def fetchall(self) -> Sequence[Row]:
        """Return every remaining row."""
        taken, self._rows = self._rows, []
        return taken

    async def nextset(self) -> None:
        """Say there is no further result set; SQLite has none."""

    async def setinputsizes(self, *_sizes: Any) -> None:
        """Accept and ignore type hints, as sqlite3 does."""

    async def close(self) -> None:
        """Drop what is left; the statement's own cursor was closed in the thread."""
        self._rows = []


class OneHopConnection(aiosqlite.Connection):
    """An aiosqlite connection whose cursors make one trip per statement."""

    _stopping: asyncio.Future[Any] | None = None

    def stop(self) -> asyncio.Future[Any] | None:
        """Stop the thread, keeping its future so that a failed open can wait for it."""
        self._stopping = super().stop()
        return self._stopping

    async def _connect(self) -> Self:
        """Open the file; when that fails, wait for the thread to stop before saying so."""
        try:
            await super()._connect()
        except BaseException:
            # aiosqlite queues the stop without waiting for it: a command that ends at once
            # closes the event loop first, and the thread then dies on "Event loop is closed".
            if self._stopping is not None:
                with contextlib.suppress(BaseException):
                    await self._stopping
            raise
        return self

    def cursor(self) -> Any:
        """Return a cursor at once; it needs no trip to the thread to open."""
        return _Ready(PrefetchedCursor(self))

    async def in_thread(self, function: Any, *args: Any) -> Any:
        """Run function(sqlite3 connection, *args) in the driver's thread."""
        return await self._execute(function, self._conn, *args)  # type: ignore[no-untyped-call]


class _Ready:
    """An awaitable, async-context value, as aiosqlite's cursor() returns."""

    def __init__(self, cursor: PrefetchedCursor) -> None:
        self.cursor = cursor

    def __await__(self) -> Any:
        yield from ()
        return self.cursor

    async def __aenter__(self) -> PrefetchedCursor:
        return self.cursor

    async def __aexit__(self, *_exc: object) -> None:
        await self.cursor.close()


def _create_private(database: str) -> None:
    """Create a missing database file readable by its owner only."""
    if database == ":memory:" or database.startswith("file:"):
        return
    # SQLite gives its -wal, -shm and -journal files the mode of the database file, so the
    # messages they hold are as private as the file; an existing file keeps the mode it has.
    # Any other failure (a missing folder) is left for SQLite to report as it always has.
    with contextlib.suppress(OSError):
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def in_transaction(pooled: Any) -> bool:
    """Tell whether SQLite has a transaction open on a pooled connection (True when unsure)."""
    driver = getattr(pooled, "_connection", None)
    raw = getattr(driver, "_connection", None)
    return not isinstance(raw, sqlite3.Connection) or raw.in_transaction


async def connect(database: str) -> OneHopConnection:
    """Open a SQLite file (or :memory:) in its own thread."""

    def connector() -> sqlite3.Connection:
        _create_private(database)
        # Statements run in the driver's thread only; the pool's reset reads in_transaction
        # from the event loop's thread, as SQLAlchemy's own aiosqlite set-up also allows.
        return sqlite3.connect(database, check_same_thread=False)

    connection = OneHopConnection(connector, iter_chunk_size=64)
    # A daemon thread, as SQLAlchemy makes aiosqlite's, never holds the process open.
    connection._thread.daemon = True
    await connection
    return connection
