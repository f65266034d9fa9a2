"""微信客服's stored state: where each account's sync stopped, and each customer's reply window."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.appends import mark_done
from storage.dialects import insert_new, upsert
from storage.inbox import Arrival
from storage.outbox import Outbox
from storage.store import SqlStore
from storage.tables import inbox, kf_cursors, kf_windows, outbox


@dataclass(frozen=True)
class Window:
    """A customer wrote at `last_in_at`: their reply window opens afresh from then."""

    external_userid: str
    open_kfid: str
    last_in_at: datetime


@dataclass(frozen=True)
class SentRow:
    """An outbox row as a delivery failure reported later needs it: whose ticket, to whom."""

    id: int
    ticket_id: int | None
    recipient_id: str


class KfLog:
    """Keep synced kf messages in a channel's inbox and the cursor they were read up to."""

    def __init__(self, store: SqlStore, channel: str) -> None:
        self.store = store
        self.channel = channel

    async def cursor(self, open_kfid: str) -> str | None:
        """Return where the last sync of this kf account stopped, if it ever ran."""
        async with self.store.reading() as conn:
            query = select(kf_cursors.c.cursor).where(kf_cursors.c.open_kfid == open_kfid)
            found: str | None = await conn.scalar(query)
        return found

    async def take(
        self,
        open_kfid: str,
        cursor: str,
        arrivals: Sequence[Arrival],
        windows: Sequence[Window],
        *,
        done: Sequence[int] = (),
    ) -> int:
        """Store a page of messages and move the cursor past it at once; return how many were new.

        One transaction: a crash leaves either both or neither, so a page is never skipped and
        one read twice is only a duplicate, which the inbox ignores. A customer who wrote has
        what was held for their next message made due at once.
        """
        now = self.store.clock.now()
        rows = [
            {
                "channel": self.channel,
                "update_id": a.update_id,
                "chat_id": a.chat_id,
                "payload": a.payload,
                "received_at": now,
            }
            for a in arrivals
        ]
        latest = _latest(windows)
        released = 0
        async with self.store.writing(), self.store.engine.begin() as conn:
            new = await insert_new(conn, inbox, rows, ["channel", "update_id"])
            stopped = {"open_kfid": open_kfid, "cursor": cursor, "updated_at": now}
            await upsert(conn, kf_cursors, [stopped], ["open_kfid"])
            if latest:
                # Two statements for the whole page, not two per customer: a burst's first page
                # held the single writer for 0.4 s, and every callback waited behind it.
                await conn.execute(_opening(conn), [_window_row(w) for w in latest])
                chats = [w.external_userid for w in latest]
                released = await Outbox(self.store).release_parked(self.channel, chats, now, conn)
            if done:
                await conn.execute(mark_done(done))
        if released:
            self.store.outbox_posted.set()
        return new

    async def sent_row(self, row_id: int) -> SentRow | None:
        """Return the outbox row a kf msgid named, if it is still kept."""
        async with self.store.reading() as conn:
            query = select(outbox.c.id, outbox.c.ticket_id, outbox.c.recipient_id).where(
                outbox.c.id == row_id
            )
            row = (await conn.execute(query)).first()
        return SentRow(row.id, row.ticket_id, row.recipient_id) if row else None


def _opening(conn: AsyncConnection) -> Insert:
    """Return the statement that opens a customer's window afresh, unless a later one is kept."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(kf_windows)
    # A message read late (a re-sync) must not reopen a window already counted.
    opening: Insert = statement.on_conflict_do_update(
        index_elements=["external_userid"],
        set_={
            "open_kfid": statement.excluded.open_kfid,
            "last_in_at": statement.excluded.last_in_at,
            "sent": 0,
        },
        where=kf_windows.c.last_in_at < statement.excluded.last_in_at,
    )
    return opening


def _window_row(window: Window) -> dict[str, object]:
    return {
        "external_userid": window.external_userid,
        "open_kfid": window.open_kfid,
        "last_in_at": window.last_in_at,
        "sent": 0,
    }


def _latest(windows: Sequence[Window]) -> list[Window]:
    """Return each customer's latest message of a page only."""
    latest: dict[str, Window] = {}
    for window in windows:
        known = latest.get(window.external_userid)
        if known is None or known.last_in_at < window.last_in_at:
            latest[window.external_userid] = window
    return list(latest.values())
