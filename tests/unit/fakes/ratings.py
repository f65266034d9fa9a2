"""The Ratings port in memory: one rating per ticket."""

from __future__ import annotations

from datetime import datetime

from desk.ratings import Rating
from tests.unit.fakes.state import FakePart


class FakeRatings(FakePart):
    """Ratings over the fake state."""

    async def rating(self, ticket_id: int) -> Rating | None:
        """Return a ticket's rating."""
        return self._s.ratings.get(ticket_id)

    async def save_rating(self, rating: Rating) -> None:
        """Insert or update a ticket's rating."""
        self._write()
        self._s.ratings[rating.ticket_id] = rating

    async def due_ratings(self, now: datetime, limit: int) -> list[Rating]:
        """Return ratings due to be asked for, earliest first."""
        self._write()
        due = [
            r
            for r in self._s.ratings.values()
            if r.asked_at is None and r.due_at is not None and r.due_at <= now
        ]
        return sorted(due, key=lambda r: (r.due_at or now, r.ticket_id))[:limit]

    async def earliest_rating_due(self) -> datetime | None:
        """Return when the next rating falls due."""
        times = [r.due_at for r in self._s.ratings.values() if r.asked_at is None and r.due_at]
        return min(times, default=None)
