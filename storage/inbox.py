"""The inbox: raw channel updates, stored before the channel is told we have them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update

from storage.dialects import insert_new
from storage.store import SqlStore
from storage.tables import inbox

MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Arrival:
    """One raw update as received."""

    update_id: int
    chat_id: int | None
    payload: str


@dataclass(frozen=True)
class Pending:
    """A stored update waiting to be handled."""

    id: int
    update_id: int
    chat_id: int | None
    payload: str
    attempts: int


class Inbox:
    """Store, hand out and settle inbound updates of one channel."""

    def __init__(self, store: SqlStore, channel: str = "telegram") -> None:
        self.store = store
        self.channel = channel

    async def keep(self, arrivals: Sequence[Arrival], at: datetime) -> int:
        """Store a batch durably; redelivered updates are ignored. Return how many were new."""
        rows = [
            {
                "channel": self.channel,
                "update_id": a.update_id,
                "chat_id": a.chat_id,
                "payload": a.payload,
                "received_at": at,
            }
            for a in arrivals
        ]
        async with self.store.writing(), self.store.engine.begin() as conn:
            return await insert_new(conn, inbox, rows, ["channel", "update_id"])

    async def pending(self, limit: int = 200) -> list[Pending]:
        """Return updates not yet handled, oldest first."""
        query = (
            select(
                inbox.c.id, inbox.c.update_id, inbox.c.chat_id, inbox.c.payload, inbox.c.attempts
            )
            .where(inbox.c.channel == self.channel, inbox.c.state == "new")
            .order_by(inbox.c.id)
            .limit(limit)
        )
        async with self.store.reading() as conn:
            return [Pending(*row) for row in (await conn.execute(query)).all()]

    async def settle(self, ids: Sequence[int]) -> None:
        """Mark updates handled (a no-op for those the desk settled itself)."""
        if not ids:
            return
        async with self.store.writing(), self.store.engine.begin() as conn:
            await conn.execute(update(inbox).where(inbox.c.id.in_(ids)).values(state="done"))

    async def failed(self, entry: Pending, error: str) -> None:
        """Count a failed attempt; after several, park the update as dead for an admin."""
        state = "dead" if entry.attempts + 1 >= MAX_ATTEMPTS else "new"
        async with self.store.writing(), self.store.engine.begin() as conn:
            await conn.execute(
                update(inbox)
                .where(inbox.c.id == entry.id)
                .values(attempts=inbox.c.attempts + 1, error=error[:2000], state=state)
            )

    async def last_update_id(self) -> int | None:
        """Return the highest update id stored, to resume polling after it."""
        async with self.store.reading() as conn:
            query = select(func.max(inbox.c.update_id)).where(inbox.c.channel == self.channel)
            highest: int | None = await conn.scalar(query)
        return highest
