"""The desk's Ledger over SQLAlchemy Core: every aggregate's part on one connection."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from desk.clock import Clock
from storage.appends import Appends
from storage.batch import Batch
from storage.complaints import SqlComplaints
from storage.guide import SqlGuideDrafts
from storage.notices import SqlNotices
from storage.people import SqlPeople
from storage.ratings import SqlRatings
from storage.readahead import ReadAhead
from storage.supply import SqlSupplies
from storage.tickets import SqlTickets


class SqlLedger(
    SqlPeople, SqlTickets, SqlComplaints, SqlRatings, SqlSupplies, SqlGuideDrafts, SqlNotices
):
    """Read and write the desk's state on one connection, inside one transaction."""

    def __init__(
        self,
        conn: AsyncConnection,
        clock: Clock,
        appends: Appends | None = None,
        batch: Batch | None = None,
        *,
        numbered: bool = False,
    ) -> None:
        self.conn = conn
        self.clock = clock
        self.posted = 0
        self.due_set = None
        self.appends = appends if appends is not None else Appends()
        self._batch = batch if batch is not None else Batch()
        self._numbered = numbered
        self._ahead = ReadAhead()
        self._locking = conn.dialect.name == "postgresql"

    async def flush(self) -> None:
        """Insert every queued row; the store calls this before it commits."""
        await self.appends.flush(self.conn)
