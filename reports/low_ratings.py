"""The low ratings of the last days, newest first, each with the ticket to open."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from desk.people import Team
from desk.ratings import RatingPolicy
from reports.scope import Scope
from storage.tables import ratings, retailers


@dataclass(frozen=True)
class LowRating:
    """One low score a retailer gave, with the ticket it was about."""

    ticket_id: int
    retailer_id: str
    retailer_name: str
    shop: str
    manager_id: str
    manager_name: str
    score: int
    comment: str | None
    rated_at: datetime


async def low_ratings(
    conn: AsyncConnection,
    team: Team,
    scope: Scope,
    now: datetime,
    *,
    days: int = 7,
    low: int = RatingPolicy().low,
    limit: int = 200,
) -> tuple[LowRating, ...]:
    """Return the scores at or below low given in the days before now, newest first."""
    rows = await conn.execute(
        select(
            ratings.c.ticket_id,
            ratings.c.retailer_id,
            retailers.c.name,
            retailers.c.shop,
            ratings.c.manager_id,
            ratings.c.score,
            ratings.c.comment,
            ratings.c.rated_at,
        )
        # An outer join: a retailer since removed from the roster still rated the ticket.
        .select_from(ratings.outerjoin(retailers, retailers.c.id == ratings.c.retailer_id))
        .where(ratings.c.rated_at > now - timedelta(days=days), ratings.c.rated_at <= now)
        .where(ratings.c.score <= low, ratings.c.manager_id.in_(sorted(scope.manager_ids)))
        .order_by(ratings.c.rated_at.desc(), ratings.c.ticket_id.desc())
        .limit(limit)
    )
    return tuple(
        LowRating(
            ticket_id=int(r.ticket_id),
            retailer_id=r.retailer_id,
            retailer_name=r.name or r.retailer_id,
            shop=r.shop or "",
            manager_id=r.manager_id,
            manager_name=team.name_of(r.manager_id),
            score=int(r.score),
            comment=r.comment,
            rated_at=r.rated_at,
        )
        for r in rows
    )
