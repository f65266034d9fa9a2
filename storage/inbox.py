"""The inbox: raw channel updates, stored before the channel is told we have them."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, exists, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.appends import mark_done
from storage.dialects import inserted
from storage.locks import advisory_key
from storage.store import SqlStore
from storage.tables import inbox

MAX_ATTEMPTS = 5
# Longer than a batch takes to handle; a worker that dies frees its updates after this.
LEASE = timedelta(seconds=15)
# Rows one shared write takes at most. A listener holds 128 requests at once, so every callback
# waiting in a burst fits one write; a longer queue is taken in several, none of them long.
KEEP_ROWS = 256


@dataclass(frozen=True)
class Arrival:
    """One raw update as received."""

    update_id: int
    chat_id: str | None
    payload: str


@dataclass(frozen=True)
class Pending:
    """A stored update waiting to be handled."""

    id: int
    update_id: int
    chat_id: str | None
    payload: str
    attempts: int


@dataclass(eq=False)
class _Keeping:
    """One caller's rows, waiting for a write to take them; then how it went."""

    rows: list[dict[str, Any]]
    new: int | None = None
    error: Exception | None = None

    @property
    def done(self) -> bool:
        """Tell whether a write took these rows, committed or failed."""
        return self.new is not None or self.error is not None


_PENDING = (inbox.c.id, inbox.c.update_id, inbox.c.chat_id, inbox.c.payload, inbox.c.attempts)


class Inbox:
    """Store, hand out and settle inbound updates of one channel."""

    def __init__(self, store: SqlStore, channel: str = "telegram") -> None:
        self.store = store
        self.channel = channel
        # Callers that come while a write is under way share the next one, each answered once
        # the write holding its rows has committed. A burst of 300 callbacks, a commit each,
        # kept the last one waiting some 300 turns of SQLite's single writer.
        self._queued: deque[_Keeping] = deque()
        self._keeping = asyncio.Lock()

    async def keep(self, arrivals: Sequence[Arrival], at: datetime) -> int:
        """Store a batch durably; redelivered updates are ignored. Return how many were new."""
        mine = _Keeping(
            [
                {
                    "channel": self.channel,
                    "update_id": a.update_id,
                    "chat_id": a.chat_id,
                    "payload": a.payload,
                    "received_at": at,
                }
                for a in arrivals
            ]
        )
        if not mine.rows:
            return 0
        self._queued.append(mine)
        try:
            async with self._keeping:
                # A write by a caller before this one may have taken these rows already.
                while not mine.done:
                    await self._write_queued()
        except BaseException:
            # Given up before any write took them: nobody waits for these rows any more.
            if mine in self._queued:
                self._queued.remove(mine)
            raise
        if mine.error is not None:
            # Not stored, so not confirmed: the channel sends it again.
            raise mine.error
        assert mine.new is not None
        return mine.new

    async def _write_queued(self) -> None:
        """Write the rows waiting at the head of the queue in one transaction."""
        async with self.store.writing():
            # Taken once the writer is ours, so that whoever came meanwhile goes along.
            taken: list[_Keeping] = []
            size = 0
            while self._queued and (not taken or size + len(self._queued[0].rows) <= KEEP_ROWS):
                taken.append(self._queued.popleft())
                size += len(taken[-1].rows)
            try:
                async with self.store.engine.begin() as conn:
                    rows = [row for keeping in taken for row in keeping.rows]
                    fresh = set(
                        await inserted(conn, inbox, rows, ["channel", "update_id"], "update_id")
                    )
            except Exception as error:
                # One transaction: nothing of it is stored, for any caller in it.
                for keeping in taken:
                    keeping.error = error
                return
            except BaseException:
                # This caller was cancelled mid-write; the others write their rows themselves.
                self._queued.extendleft(reversed(taken))
                raise
        for keeping in taken:
            # An update posted twice in one write is new for the first caller only.
            new = {row["update_id"] for row in keeping.rows} & fresh
            fresh -= new
            keeping.new = len(new)

    async def pending(self, limit: int = 200) -> list[Pending]:
        """Return updates not yet handled, oldest first; on PostgreSQL, claim them with a lease."""
        if self.store.dialect == "postgresql":
            async with self.store.engine.begin() as conn:
                return await self._claim(conn, limit)
        query = (
            select(*_PENDING)
            .where(inbox.c.channel == self.channel, inbox.c.state == "new")
            .order_by(inbox.c.id)
            .limit(limit)
        )
        async with self.store.reading() as conn:
            return [Pending(*row) for row in (await conn.execute(query)).all()]

    async def _claim(self, conn: AsyncConnection, limit: int) -> list[Pending]:
        """Lease free updates of chats no other worker is busy with, so each chat stays in order."""
        now = self.store.clock.now()
        # Claims take turns, so each sees the leases the one before it committed.
        key = advisory_key("inbox-claim", self.channel)
        await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
        other = inbox.alias("other")
        busy = exists().where(
            other.c.channel == self.channel,
            other.c.chat_id == inbox.c.chat_id,
            other.c.state == "taken",
            other.c.lease_until > now,
        )
        free = (inbox.c.state == "new") | (
            (inbox.c.state == "taken") & (inbox.c.lease_until <= now)
        )
        query = (
            select(*_PENDING)
            .where(inbox.c.channel == self.channel, free, ~busy)
            .order_by(inbox.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True, of=inbox)
        )
        rows = (await conn.execute(query)).all()
        if rows:
            await conn.execute(
                update(inbox)
                .where(inbox.c.id.in_([row.id for row in rows]))
                .values(state="taken", lease_until=now + LEASE)
            )
        return [Pending(*row) for row in rows]

    async def still_new(self, conn: AsyncConnection, ids: Sequence[int]) -> set[int]:
        """Return which of these updates are still waiting, read on the caller's transaction."""
        if not ids:
            return set()
        query = select(inbox.c.id).where(inbox.c.id.in_(ids), inbox.c.state == "new")
        return set((await conn.scalars(query)).all())

    async def settle(self, ids: Sequence[int]) -> None:
        """Mark updates handled (a no-op for those the desk settled itself)."""
        if not ids:
            return
        async with self.store.writing(), self.store.engine.begin() as conn:
            await conn.execute(mark_done(ids))

    async def failed(
        self,
        entry: Pending,
        error: str,
        *,
        final: bool = False,
        conn: AsyncConnection | None = None,
    ) -> bool:
        """Count a failed attempt; after several, or a final one, park the update for an admin.

        Return whether it was parked. Given a connection, write on it (a group commit's).
        """
        parked = final or entry.attempts + 1 >= MAX_ATTEMPTS
        statement = (
            update(inbox)
            .where(inbox.c.id == entry.id)
            .values(
                attempts=inbox.c.attempts + 1,
                error=error[:2000],
                state="dead" if parked else "new",
                lease_until=None,
            )
        )
        if conn is not None:
            await conn.execute(statement)
            return parked
        async with self.store.writing(), self.store.engine.begin() as own:
            await own.execute(statement)
        return parked

    async def parked(self) -> int:
        """Count updates set aside for an admin: unreadable, or failing every try."""
        async with self.store.reading() as conn:
            query = select(func.count()).where(
                inbox.c.channel == self.channel, inbox.c.state == "dead"
            )
            return int(await conn.scalar(query) or 0)

    async def last_update_id(self) -> int | None:
        """Return the highest update id stored, to resume polling after it."""
        async with self.store.reading() as conn:
            query = select(func.max(inbox.c.update_id)).where(inbox.c.channel == self.channel)
            highest: int | None = await conn.scalar(query)
        return highest

    async def purge(self, received_before: datetime) -> int:
        """Delete handled updates received before a time; return how many went."""
        # The newest stays, whatever its age: polling resumes after its update id.
        newest = (
            select(func.max(inbox.c.update_id))
            .where(inbox.c.channel == self.channel)
            .scalar_subquery()
        )
        # Parked (dead) updates stay for an admin to look at; only handled ones go.
        query = delete(inbox).where(
            inbox.c.channel == self.channel,
            inbox.c.state == "done",
            inbox.c.received_at < received_before,
            inbox.c.update_id != newest,
        )
        async with self.store.writing(), self.store.engine.begin() as conn:
            return (await conn.execute(query)).rowcount
