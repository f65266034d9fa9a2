"""The confidential complaints a supervisor's console shows: open and recent, with their clocks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, Select, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from reports.scope import Scope
from storage.tables import complaints, retailers

# Closed complaints stay on the page this long after they were opened.
RECENT = timedelta(days=7)


@dataclass(frozen=True)
class ComplaintClock:
    """One complaint as the supervisor sees it on the console (never its words)."""

    id: int
    retailer_name: str
    shop: str
    manager_id: str
    opened_at: datetime
    waiting_since: datetime | None
    first_response_at: datetime | None
    closed_at: datetime | None
    next_due_at: datetime | None
    rung: int


async def complaint_clocks(
    conn: AsyncConnection, scope: Scope, now: datetime
) -> list[ComplaintClock]:
    """Return the viewer's open and recent complaints, newest first; none unless a supervisor."""
    if not scope.complaints:
        return []
    return [_clock(row) for row in await conn.execute(complaints_query(scope, now))]


def complaints_query(scope: Scope, now: datetime) -> Select[Any]:
    """Return the query of a supervisor's complaints (by ix_complaints_supervisor_opened)."""
    addressed = or_(
        complaints.c.supervisor_id == scope.viewer_id,
        and_(
            complaints.c.supervisor_id.is_(None),
            complaints.c.manager_id.in_(sorted(scope.manager_ids)),
        ),
    )
    live = or_(complaints.c.closed_at.is_(None), complaints.c.opened_at >= now - RECENT)
    return (
        select(complaints, retailers.c.name, retailers.c.shop)
        .select_from(complaints.outerjoin(retailers, retailers.c.id == complaints.c.retailer_id))
        .where(addressed, live)
        .order_by(complaints.c.opened_at.desc(), complaints.c.id.desc())
    )


def _clock(row: Row[Any]) -> ComplaintClock:
    return ComplaintClock(
        id=row.id,
        retailer_name=row.name or row.retailer_id,
        shop=row.shop or "",
        manager_id=row.manager_id,
        opened_at=row.opened_at,
        waiting_since=row.waiting_since,
        first_response_at=row.first_response_at,
        closed_at=row.closed_at,
        next_due_at=row.next_due_at,
        rung=row.last_step,
    )
