"""Bring the stored retailers in line with the roster without losing anything stored."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from desk.people import Retailer
from storage import tables
from storage.dialects import upsert
from storage.store import SqlStore

COMPARED = ("name", "shop", "phone", "manager_id", "telegram_id")


@dataclass(frozen=True)
class RosterImport:
    """What an import did to the stored retailers."""

    added: int
    updated: int
    unchanged: int
    unlinked: tuple[str, ...] = ()


async def import_retailers(
    store: SqlStore, retailers: Sequence[Retailer], at: datetime
) -> RosterImport:
    """Upsert the roster by id in one transaction; keep chat links and absent retailers."""
    for what, values in (
        ("retailer id", [r.id for r in retailers]),
        ("telegram_id", [r.telegram_id for r in retailers if r.telegram_id is not None]),
    ):
        twice = [v for v, n in Counter(values).items() if n > 1]
        if twice:
            raise ValueError(f"the roster repeats {what} {twice[0]!r}")
    async with store.transaction() as ledger:
        return await _import(ledger.conn, retailers, at)


async def _import(conn: AsyncConnection, roster: Sequence[Retailer], at: datetime) -> RosterImport:
    query = select(tables.retailers)
    if conn.dialect.name == "postgresql":
        # Hold the rows so a retailer linking their chat meanwhile cannot be overwritten.
        query = query.with_for_update()
    stored = {row.id: row for row in (await conn.execute(query)).all()}
    claimed = {r.telegram_id: r.id for r in roster if r.telegram_id is not None}
    wanted = {r.id: _row(r, stored.get(r.id), claimed, at) for r in roster}
    # A chat the roster gives to one retailer is taken from whoever held it before.
    taken = [
        rid
        for rid, row in stored.items()
        if row.telegram_id is not None and claimed.get(row.telegram_id, rid) != rid
    ]
    if taken:
        # Clear first so that links moving between rows never meet the unique constraint.
        await conn.execute(
            update(tables.retailers)
            .where(tables.retailers.c.id.in_(taken))
            .values(telegram_id=None, updated_at=at)
        )
    added = [row for rid, row in wanted.items() if rid not in stored]
    changed = [
        {k: v for k, v in row.items() if k != "lang"}
        for rid, row in wanted.items()
        if rid in stored and any(row[c] != getattr(stored[rid], c) for c in COMPARED)
    ]
    await upsert(conn, tables.retailers, added, ["id"])
    await upsert(conn, tables.retailers, changed, ["id"])
    unchanged = len(wanted) - len(added) - len(changed)
    return RosterImport(len(added), len(changed), unchanged, tuple(taken))


def _row(
    retailer: Retailer, stored: Row[Any] | None, claimed: Mapping[int, str], at: datetime
) -> dict[str, Any]:
    """Return the row a roster entry should leave behind."""
    link = retailer.telegram_id
    if link is None and stored is not None and stored.telegram_id not in claimed:
        # The roster does not know the chat the retailer linked by sharing their contact.
        link = stored.telegram_id
    return {
        "id": retailer.id,
        "name": retailer.name,
        "shop": retailer.shop,
        "phone": retailer.phone,
        "manager_id": retailer.manager_id,
        "telegram_id": link,
        # Only new rows take a language; a stored one may have been chosen in the chat.
        "lang": retailer.lang,
        "updated_at": at,
    }
