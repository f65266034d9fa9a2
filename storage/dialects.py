"""The few statements whose spelling differs between SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection


async def insert_new(
    conn: AsyncConnection, table: Table, rows: Sequence[dict[str, Any]], keys: Sequence[str]
) -> int:
    """Insert rows, skipping those whose keys exist already; return how many went in."""
    return len(await inserted(conn, table, rows, keys, keys[0]))


async def inserted(
    conn: AsyncConnection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    keys: Sequence[str],
    column: str,
) -> list[Any]:
    """Insert rows, skipping those whose keys exist already; return `column` of the new ones."""
    if not rows:
        return []
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(table)
        .on_conflict_do_nothing(index_elements=list(keys))
        .returning(table.c[column])
    )
    # Drivers disagree on rowcount for batched inserts; RETURNING counts exactly.
    result = await conn.execute(statement, list(rows))
    return list(result.scalars().all())


async def upsert(
    conn: AsyncConnection, table: Table, rows: Sequence[dict[str, Any]], keys: Sequence[str]
) -> None:
    """Insert rows, updating every other given column where the keys exist."""
    if not rows:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table)
    changed = {c: statement.excluded[c] for c in rows[0] if c not in keys}
    await conn.execute(
        statement.on_conflict_do_update(index_elements=list(keys), set_=changed), list(rows)
    )
