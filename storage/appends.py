"""Rows nobody reads back at once, written in bulk at the end of a unit of work."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Executable, Table, bindparam, insert, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.tables import events, inbox, messages, outbox, tickets

Row = dict[str, Any]

# An inbound update the desk settled; rowcount 0 when it was settled before.
SETTLE = (
    update(inbox)
    .where(inbox.c.channel == bindparam("b_channel"), inbox.c.update_id == bindparam("b_update"))
    .where(inbox.c.state != "done")
    .values(state="done")
)


def mark_done(ids: Sequence[int]) -> Executable:
    """Return the statement that marks these inbox rows handled."""
    return update(inbox).where(inbox.c.id.in_(ids)).values(state="done")


@dataclass
class _Mark:
    """Where a savepoint began in the appended rows, and earlier rows it flushed since."""

    lengths: dict[Table, int]
    flushed: dict[Table, list[Row]] = field(default_factory=dict)


class Appends:
    """Rows nobody reads back at once: written in bulk, one statement per table, at the end."""

    # Tickets first: messages and events refer to them.
    TABLES = (tickets, messages, events, outbox, inbox)

    def __init__(self) -> None:
        self.rows: dict[Table, list[Row]] = {table: [] for table in self.TABLES}
        self._mark: _Mark | None = None

    def add(self, table: Table, row: Row) -> None:
        """Queue one row for the next flush (for the inbox: an update to mark done)."""
        self.rows[table].append(row)

    def own_ticket(self, ticket_id: int) -> Row | None:
        """Return a queued ticket row added by the current unit, to change before it is written."""
        start = self._mark.lengths[tickets] if self._mark is not None else 0
        for row in self.rows[tickets][start:]:
            if row["id"] == ticket_id:
                return row
        return None

    def settles(self, channel: str, update_id: int) -> bool:
        """Tell whether an update is already queued to be marked done."""
        wanted = {"b_channel": channel, "b_update": update_id}
        return wanted in self.rows[inbox]

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
        """Write the queued rows of the given tables (all when none are named)."""
        # Queued tickets go first whatever is asked for: the other rows may refer to them.
        for table in (tickets, *tables) if tables else self.TABLES:
            rows = self.rows[table]
            if not rows:
                continue
            await conn.execute(_statement(table), rows)
            self.rows[table] = []
            if self._mark is not None:
                earlier = rows[: self._mark.lengths[table]]
                self._mark.flushed.setdefault(table, []).extend(earlier)
                self._mark.lengths[table] = 0


def _statement(table: Table) -> Executable:
    """Return the bulk statement for a table's queued rows."""
    return SETTLE if table is inbox else insert(table)
