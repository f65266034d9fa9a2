"""What each aggregate's SQL shares inside one unit of work: the connection and its buffers."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncConnection

from desk.clock import Clock
from storage.appends import Appends
from storage.tables import tickets

if TYPE_CHECKING:
    from storage.batch import Batch
    from storage.readahead import ReadAhead


class UnitPart:
    """The state that the SqlLedger's aggregate parts read and write together."""

    conn: AsyncConnection
    clock: Clock
    appends: Appends
    # Notices queued, and the earliest due time written: told to the sender and the alarm.
    posted: int
    due_set: datetime | None
    # What a group commit read once for all its updates (or this transaction alone).
    _batch: Batch
    _ahead: ReadAhead
    # Ticket numbers come from the batch, and new tickets are inserted with the rest.
    _numbered: bool
    # PostgreSQL needs row locks between workers; SQLite has one writer already.
    _locking: bool

    def _note_due(self, due: datetime | None) -> None:
        """Remember the earliest due time written, so the alarm is re-armed after commit."""
        if due is not None and (self.due_set is None or due < self.due_set):
            self.due_set = due

    def _claim(self, query: Select[tuple[object, ...]]) -> Select[tuple[object, ...]]:
        # Workers on PostgreSQL skip rows another is busy with; SQLite has one writer anyway.
        return query.with_for_update(skip_locked=True) if self._locking else query

    async def _flush_tickets(self) -> None:
        """Insert tickets still queued, before a read of the tickets table."""
        await self.appends.flush(self.conn, tickets)
