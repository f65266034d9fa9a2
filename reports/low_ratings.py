"""The low ratings of the last days, newest first, each with the ticket to open."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select
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
    picked = _given(scope, now, days, low)
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
        .where(*picked)
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


async def count_low_ratings(
    conn: AsyncConnection,
    scope: Scope,
    now: datetime,
    *,
    days: int = 7,
    low: int = RatingPolicy().low,
) -> int:
    """Count the scores at or below low given in the days before now."""
    found = await conn.execute(select(func.count()).where(*_given(scope, now, days, low)))
    return int(found.scalar_one())


def _given(scope: Scope, now: datetime, days: int, low: int) -> list[ColumnElement[bool]]:
    """Return the conditions that pick the scope's low scores of the days before now."""
    return [
        ratings.c.rated_at > now - timedelta(days=days),
        ratings.c.rated_at <= now,
        ratings.c.score <= low,
        ratings.c.manager_id.in_(sorted(scope.manager_ids)),
    ]
