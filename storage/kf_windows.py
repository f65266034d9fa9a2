"""Each 微信客服 customer's reply window: when they last wrote, and what was sent since."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.store import SqlStore
from storage.tables import kf_windows


@dataclass(frozen=True)
class WindowRow:
    """A customer's window as stored: their last message, and messages sent to them since."""

    last_in_at: datetime | None
    sent: int


class KfWindows:
    """Open a customer's window when they write; count what is sent to them in it."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store

    async def opened(
        self,
        external_userid: str,
        open_kfid: str,
        at: datetime,
        conn: AsyncConnection | None = None,
    ) -> None:
        """Record a customer's message: a new window from `at`, with nothing sent in it."""
        if conn is not None:
            await _open(conn, external_userid, open_kfid, at)
            return
        async with self.store.writing(), self.store.engine.begin() as own:
            await _open(own, external_userid, open_kfid, at)

    async def read(self, external_userid: str) -> WindowRow:
        """Return a customer's window; one who never wrote has none (last_in_at None)."""
        async with self.store.reading() as conn:
            row = (await conn.execute(select(kf_windows).where(_of(external_userid)))).first()
        return WindowRow(None, 0) if row is None else WindowRow(row.last_in_at, row.sent)

    async def spend(self, external_userid: str, take: Callable[[WindowRow], int]) -> int:
        """Count `take(window)` more messages as sent, read and written in one transaction."""
        query = select(kf_windows).where(_of(external_userid))
        if self.store.dialect == "postgresql":
            query = query.with_for_update()
        async with self.store.writing(), self.store.engine.begin() as conn:
            row = (await conn.execute(query)).first()
            window = WindowRow(None, 0) if row is None else WindowRow(row.last_in_at, row.sent)
            taken = take(window)
            if taken and row is not None:
                await conn.execute(
                    update(kf_windows)
                    .where(_of(external_userid))
                    .values(sent=kf_windows.c.sent + taken)
                )
        return taken

    async def give_back(self, external_userid: str, count: int, since: datetime) -> None:
        """Uncount messages WeCom refused, unless the customer has written again since."""
        async with self.store.writing(), self.store.engine.begin() as conn:
            await conn.execute(
                update(kf_windows)
                .where(_of(external_userid), kf_windows.c.last_in_at <= since)
                .where(kf_windows.c.sent >= count)
                .values(sent=kf_windows.c.sent - count)
            )

    async def use_up(self, external_userid: str, limit: int, since: datetime) -> None:
        """Count a window as spent, as WeCom says it is, unless the customer wrote since."""
        async with self.store.writing(), self.store.engine.begin() as conn:
            await conn.execute(
                update(kf_windows)
                .where(_of(external_userid), kf_windows.c.last_in_at <= since)
                .values(sent=limit)
            )


def _of(external_userid: str) -> ColumnElement[bool]:
    return kf_windows.c.external_userid == external_userid


async def _open(conn: AsyncConnection, external_userid: str, open_kfid: str, at: datetime) -> None:
    values = {"open_kfid": open_kfid, "last_in_at": at, "sent": 0}
    changed = await conn.execute(update(kf_windows).where(_of(external_userid)).values(values))
    if not changed.rowcount:
        await conn.execute(insert(kf_windows).values(external_userid=external_userid, **values))
