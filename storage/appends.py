"""Rows nobody reads back at once, inserted in bulk at the end of a unit of work."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.tables import events, messages, outbox

Row = dict[str, Any]


@dataclass
class _Mark:
    """Where a savepoint began in the appended rows, and earlier rows it flushed since."""

    lengths: dict[Table, int]
    flushed: dict[Table, list[Row]] = field(default_factory=dict)


class Appends:
    """Rows nobody reads back at once: inserted in bulk, one statement per table, at the end."""

    TABLES = (messages, events, outbox)

    def __init__(self) -> None:
        self.rows: dict[Table, list[Row]] = {table: [] for table in self.TABLES}
        self._mark: _Mark | None = None

    def add(self, table: Table, row: Row) -> None:
        """Queue one row for the next flush."""
        self.rows[table].append(row)

    def begin(self) -> None:
        """Remember where a savepoint starts, so its rows can be taken back."""
        self._mark = _Mark({table: len(rows) for table, rows in self.rows.items()})

    def end(self, *, kept: bool) -> None:
        """Close the savepoint; when it rolled back, drop its rows and requeue flushed ones."""
        mark, self._mark = self._mark, None
        if kept or mark is None:
            return
        for table, rows in self.rows.items():
            # Rows of earlier units flushed inside the savepoint were rolled back with it.
            self.rows[table] = mark.flushed.get(table, []) + rows[: mark.lengths[table]]

    async def flush(self, conn: AsyncConnection, *tables: Table) -> None:
        """Insert the queued rows of the given tables (all when none are named)."""
        for table in tables or self.TABLES:
            rows = self.rows[table]
            if not rows:
                continue
            await conn.execute(insert(table), rows)
            self.rows[table] = []
            if self._mark is not None:
                earlier = rows[: self._mark.lengths[table]]
                self._mark.flushed.setdefault(table, []).extend(earlier)
                self._mark.lengths[table] = 0
