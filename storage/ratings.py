"""Ratings over SQL: one row per ticket, from asked for to given."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, select

from desk.ratings import Rating
from storage.dialects import upsert
from storage.tables import ratings
from storage.unit import UnitPart


class SqlRatings(UnitPart):
    """Read and write ratings on the unit's connection."""

    async def rating(self, ticket_id: int) -> Rating | None:
        """Return a ticket's rating, asked for or given."""
        query = select(ratings).where(ratings.c.ticket_id == ticket_id)
        row = (await self.conn.execute(query)).first()
        return rating_from_row(row) if row else None

    async def save_rating(self, rating: Rating) -> None:
        """Insert or update a ticket's rating."""
        await upsert(self.conn, ratings, [rating_row(rating)], ["ticket_id"])
        if rating.asked_at is None:
            self._note_due(rating.due_at)

    async def due_ratings(self, now: datetime, limit: int) -> list[Rating]:
        """Claim ratings due to be asked for."""
        query = (
            select(ratings)
            .where(ratings.c.asked_at.is_(None), ratings.c.due_at <= now)
            .order_by(ratings.c.due_at)
            .limit(limit)
        )
        rows = (await self.conn.execute(self._claim(query))).all()
        return [rating_from_row(row) for row in rows]

    async def earliest_rating_due(self) -> datetime | None:
        """Return when the next rating falls due to be asked for."""
        earliest: datetime | None = await self.conn.scalar(
            select(func.min(ratings.c.due_at)).where(ratings.c.asked_at.is_(None))
        )
        return earliest


def rating_from_row(row: Row[Any]) -> Rating:
    """Rebuild a rating from its row."""
    m = row._mapping
    return Rating(
        ticket_id=m["ticket_id"],
        retailer_id=m["retailer_id"],
        manager_id=m["manager_id"],
        due_at=m["due_at"],
        asked_at=m["asked_at"],
        score=m["score"],
        comment=m["comment"],
        rated_at=m["rated_at"],
    )


def rating_row(rating: Rating) -> dict[str, Any]:
    """Return the columns of a rating."""
    return {
        "ticket_id": rating.ticket_id,
        "retailer_id": rating.retailer_id,
        "manager_id": rating.manager_id,
        "due_at": rating.due_at,
        "asked_at": rating.asked_at,
        "score": rating.score,
        "comment": rating.comment,
        "rated_at": rating.rated_at,
    }
