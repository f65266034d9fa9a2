"""The library as retailers read it: the admin's file plus the answers approved into it."""

from __future__ import annotations

from datetime import datetime, timedelta

from desk.guide import Library
from desk.ports import Store

# Approvals made by another worker show up within this long.
REFRESH = timedelta(minutes=1)


class Shelf:
    """Hold the library and the approved answers, re-read from the store now and then."""

    def __init__(self, library: Library | None = None, refresh: timedelta = REFRESH) -> None:
        self.library = library or Library()
        self.refresh = refresh
        self._current = self.library
        self._loaded_at: datetime | None = None

    async def current(self, store: Store, now: datetime) -> Library:
        """Return the whole library as it stands, reading approvals when the copy is old."""
        loaded = self._loaded_at
        if loaded is None or not loaded <= now < loaded + self.refresh:
            async with store.peek() as ledger:
                drafts = await ledger.approved_drafts()
            self._current = self.library.with_entries(d.entry() for d in drafts)
            self._loaded_at = now
        return self._current

    def forget(self) -> None:
        """Re-read the approvals next time, after one was made here."""
        self._loaded_at = None
