"""The Store: units of work over one engine, and the signals they raise on commit."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, Executable, Insert, TextClause
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncTransaction

from desk.clock import Clock
from storage.appends import Appends, mark_done
from storage.batch import Batch
from storage.ledger import SqlLedger
from storage.tables import tickets

log = logging.getLogger(__name__)

DueListener = Callable[[datetime], None]
# Something to do once what was written before it is committed, such as sending a link to it.
AfterCommit = Callable[[], Awaitable[object]]


class TransactionLostError(RuntimeError):
    """The database undid a whole group commit, as SQLite does on a full disk or an I/O error."""


class UnitConnection(AsyncConnection):
    """The group's connection as one unit of work sees it: its first write opens a savepoint.

    A unit that only reads, or only queues rows for the end of the batch, costs no savepoint.
    """

    __slots__ = ("appends", "savepoint")

    def __init__(self, conn: AsyncConnection, appends: Appends) -> None:
        super().__init__(conn.engine, conn.sync_connection)
        self.appends = appends
        self.savepoint: AsyncTransaction | None = None

    async def execute(
        self, statement: Executable, parameters: Any = None, **options: Any
    ) -> CursorResult[Any]:
        """Execute a statement, opening the unit's savepoint before its first write."""
        if _writes(statement):
            if self.savepoint is None:
                self.savepoint = await self.begin_nested()
            if self.appends.rows[tickets] and not _inserts_tickets(statement):
                # What is written now may refer to, or change, a ticket still queued: it goes
                # in first.
                await self.appends.flush(self, tickets)
        return await super().execute(statement, parameters, **options)


def _inserts_tickets(statement: Executable) -> bool:
    return isinstance(statement, Insert) and statement.table is tickets


def _writes(statement: Executable) -> bool:
    if isinstance(statement, TextClause):
        return not statement.text.lstrip().upper().startswith("SELECT")
    return bool(getattr(statement, "is_dml", False))


class GroupCommit:
    """One write transaction that several units of work of one task share, each a savepoint."""

    def __init__(self, conn: AsyncConnection, clock: Clock, *, numbers: bool = False) -> None:
        self.conn = conn
        self.clock = clock
        self.owner = asyncio.current_task()
        self.appends = Appends()
        self.batch = Batch()
        # Inbox rows handled in this group, marked done in the same commit.
        self.done: list[int] = []
        # On SQLite the group hands out ticket numbers itself, so new tickets wait for the flush.
        self.numbers = numbers
        self.posted = 0
        self.due_set: datetime | None = None
        self.open = True
        self.lost: BaseException | None = None
        # What to do once the group has committed; a unit's own wait for the unit to be kept.
        self.after: list[AfterCommit] = []
        self._unit_after: list[AfterCommit] = []
        self._unit: UnitConnection | None = None

    @property
    def _in_unit(self) -> bool:
        return self._unit is not None

    @property
    def current(self) -> AsyncConnection:
        """Return the connection work should use now: the running unit's, or the group's."""
        return self._unit if self._unit is not None else self.conn

    def serves(self, *, nested: bool = False) -> bool:
        """Tell whether the running task may work inside this group now."""
        # Tasks spawned from a unit inherit the context variable but not the connection.
        mine = self.open and asyncio.current_task() is self.owner
        return mine and (nested or not self._in_unit)

    def ledger(self, conn: AsyncConnection) -> SqlLedger:
        """Return a ledger on a connection of this group, sharing its reads and queued rows."""
        return SqlLedger(conn, self.clock, self.appends, self.batch, numbered=self.numbers)

    @asynccontextmanager
    async def unit(self) -> AsyncIterator[SqlLedger]:
        """Run one unit of work in a savepoint: it commits with the group or rolls back alone."""
        if self.lost is not None:
            raise TransactionLostError(_undone(self.lost)) from self.lost
        self.appends.begin()
        self._unit_after = []
        self._unit = conn = UnitConnection(self.conn, self.appends)
        ledger = self.ledger(conn)
        try:
            yield ledger
        except BaseException as error:
            try:
                if conn.savepoint is not None:
                    await conn.savepoint.rollback()
            except Exception as undone:
                # SQLite rolled the whole transaction back: earlier units are gone too.
                self.lost = error
                raise TransactionLostError(_undone(error)) from undone
            self.appends.end(kept=False)
            self.batch.forget()
            raise
        else:
            if conn.savepoint is not None:
                await conn.savepoint.commit()
            self.appends.end(kept=True)
            self.after += self._unit_after
            self.posted += ledger.posted
            if ledger.due_set is not None and (
                self.due_set is None or ledger.due_set < self.due_set
            ):
                self.due_set = ledger.due_set
        finally:
            self._unit = None
            self._unit_after = []

    def after_commit(self, action: AfterCommit) -> None:
        """Do action once the group commits; inside a unit, only if the unit is kept."""
        (self._unit_after if self._in_unit else self.after).append(action)

    async def finish(self) -> None:
        """Write every queued row and mark the handled updates done, before the commit."""
        await self.appends.flush(self.conn)
        if self.done:
            await self.conn.execute(mark_done(self.done))


def _undone(error: BaseException) -> str:
    cause = getattr(error, "orig", None) or error
    return f"the database undid this batch after: {cause}"


_group: ContextVar[GroupCommit | None] = ContextVar("retaildesk_group_commit", default=None)


class SqlStore:
    """Open transactions; tell the sender and the escalation engine what changed."""

    def __init__(self, engine: AsyncEngine, clock: Clock) -> None:
        self.engine = engine
        self.clock = clock
        self.outbox_posted = asyncio.Event()
        self._due_listeners: list[DueListener] = []
        # SQLite allows one writer; queueing in-process avoids busy-waiting on its file lock.
        self._writer = asyncio.Lock() if engine.dialect.name == "sqlite" else None
        self.writers_waiting = 0

    @property
    def dialect(self) -> str:
        """Return the database's name: sqlite or postgresql."""
        return self.engine.dialect.name

    def on_due(self, listener: DueListener) -> None:
        """Call listener with a ticket's next due time after each commit that sets one."""
        self._due_listeners.append(listener)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqlLedger]:
        """Run the block in one write transaction (a savepoint inside a group commit)."""
        group = _group.get()
        if group is not None and group.serves():
            async with group.unit() as ledger:
                yield ledger
            return
        async with self.writing(), self.engine.begin() as conn:
            ledger = SqlLedger(conn, self.clock)
            yield ledger
            await ledger.flush()
        self._announce(ledger.posted, ledger.due_set)

    @asynccontextmanager
    async def group_commit(self) -> AsyncIterator[GroupCommit]:
        """Let this task's transactions share one commit, each atomic in its own savepoint.

        One commit per batch instead of one per update is what lets a single SQLite writer
        keep up with a burst. Rows nobody reads back at once are inserted in bulk at the end.
        """
        async with self.writing(), self.engine.begin() as conn:
            group = GroupCommit(conn, self.clock, numbers=self.dialect == "sqlite")
            token = _group.set(group)
            try:
                yield group
                if group.lost is not None:
                    raise TransactionLostError(_undone(group.lost)) from group.lost
                await group.finish()
            finally:
                group.open = False
                _group.reset(token)
        self._announce(group.posted, group.due_set)
        for action in group.after:
            try:
                await action()
            except Exception:
                # The batch is committed: what failed after it must not undo or stop it.
                log.exception("an action after a group commit failed")

    async def after_commit(self, action: AfterCommit) -> None:
        """Do action once what this task wrote so far is committed: now, or after its group."""
        group = _group.get()
        if group is not None and group.serves(nested=True):
            group.after_commit(action)
            return
        await action()

    def _announce(self, posted: int, due_set: datetime | None) -> None:
        if posted:
            self.outbox_posted.set()
        if due_set is not None:
            for listener in self._due_listeners:
                listener(due_set)

    @asynccontextmanager
    async def peek(self) -> AsyncIterator[SqlLedger]:
        """Read through the ledger on a connection that does not wait for the writer."""
        group = _group.get()
        if group is not None and group.serves(nested=True):
            # Inside a group commit the writer's own connection is at hand and sees its writes;
            # inside a unit, the unit's, so that rows it flushes roll back with it.
            yield group.ledger(group.current)
            return
        async with self.reading() as conn:
            yield SqlLedger(conn, self.clock)

    def writing(self) -> AbstractAsyncContextManager[object]:
        """Hold the in-process writer slot (a no-op on PostgreSQL)."""
        return self._taking_turn() if self._writer is not None else nullcontext()

    @asynccontextmanager
    async def _taking_turn(self) -> AsyncIterator[None]:
        assert self._writer is not None
        # Counted, so that a long group commit can see someone waiting and end early.
        self.writers_waiting += 1
        try:
            await self._writer.acquire()
        finally:
            self.writers_waiting -= 1
        try:
            yield
        finally:
            self._writer.release()

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncConnection]:
        """Open a read-only connection that does not wait for the writer."""
        async with self.engine.connect() as conn:
            conn = await conn.execution_options(reading=True)
            yield conn

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()
