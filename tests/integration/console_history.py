"""A desk's history written row by row for the console's query tests, on each database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from desk.supply import brand_key
from reports.scope import Scope
from storage.tables import events, ratings, retailers, supply_requests, tickets
from tests.databases import BACKENDS, migrated_engine

# The weekly report tests' team and ladder: the console reads the same desk.
from tests.integration.test_reports_metrics import POLICY, SHANGHAI, W47
from tests.integration.test_reports_metrics import TEAM as TEAM

MON = W47.monday
# s1's team; m3 is someone else's and must never show.
S1 = Scope("s1", frozenset({"m1", "m2"}), complaints=True)
M2 = Scope("m2", frozenset({"m2"}), complaints=False)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    """Return a Shanghai wall-clock moment as UTC."""
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI).astimezone(UTC)


def day(n: int) -> date:
    """Return week 47's day n (0 is Monday; negative is the week before)."""
    return MON + timedelta(days=n)


@pytest.fixture(params=BACKENDS)
async def conn(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncConnection]:
    """Yield a connection to a migrated, empty database; writes in it are committed as made."""
    async with (
        migrated_engine(request.param, tmp_path) as engine,
        engine.connect() as connection,
    ):
        yield await connection.execution_options(isolation_level="AUTOCOMMIT")


class History:
    """Write tickets, events, ratings and supply requests as the desk would have."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self.count = 0
        self.shops: set[str] = set()

    async def ticket(
        self,
        manager: str,
        opened: datetime,
        *,
        retailer: str | None = None,
        off_hours: bool = False,
        first: float | None = None,
        by: str | None = None,
        resolved: datetime | None = None,
        acknowledged: bool = True,
    ) -> int:
        """Open a ticket; with first, answer it that many seconds later."""
        self.count += 1
        number = self.count
        retailer = retailer or f"r{number}"
        await self.retailer(retailer, manager)
        answered = opened + timedelta(seconds=first) if first is not None else None
        await self.conn.execute(
            insert(tickets).values(
                id=number,
                retailer_id=retailer,
                manager_id=manager,
                home_manager_id=manager,
                status="resolved" if resolved else "open",
                opened_at=opened,
                policy=POLICY,
                off_hours=off_hours,
                waiting_since=None if answered else opened,
                round=1 if answered else 0,
                last_step=-1,
                first_response_at=answered,
                acknowledged_at=opened + timedelta(seconds=1) if acknowledged else None,
                resolved_at=resolved,
            )
        )
        await self.event(number, "opened", opened, actor=retailer, target=manager)
        await self.event(number, "asked", opened, actor=retailer, round=0)
        if answered is not None:
            await self.event(
                number, "answered", answered, actor=by or manager, target=manager,
                seconds=first, round=0,
            )  # fmt: skip
        if resolved is not None:
            await self.event(number, "resolved", resolved, actor=manager, round=1)
        return number

    async def retailer(self, retailer: str, manager: str) -> None:
        """Store a retailer once, with a shop named after them."""
        if retailer in self.shops:
            return
        self.shops.add(retailer)
        await self.conn.execute(
            insert(retailers).values(
                id=retailer,
                name=f"零售户{retailer}",
                shop=f"{retailer}号店",
                phone=f"+86139{len(self.shops):08d}",
                manager_id=manager,
                updated_at=local(day(-30), 9),
            )
        )

    async def escalate(self, ticket: int, opened: datetime, *steps: int) -> None:
        """Fire ladder steps at their due times."""
        for step in steps:
            at = opened + timedelta(seconds=(900, 1800, 3600)[step])
            await self.event(ticket, "escalated", at, target="x", step=step, round=0)

    async def event(self, ticket: int, kind: str, at: datetime, **columns: Any) -> None:
        """Append one event."""
        await self.conn.execute(
            insert(events).values(ticket_id=ticket, kind=kind, at=at, **columns)
        )

    async def rate(
        self, ticket: int, manager: str, score: int, at: datetime, comment: str | None = None
    ) -> None:
        """Record the retailer's rating of a ticket."""
        await self.conn.execute(
            insert(ratings).values(
                ticket_id=ticket, retailer_id=await self._retailer_of(ticket),
                manager_id=manager, asked_at=at - timedelta(hours=1), score=score,
                comment=comment, rated_at=at,
            )
        )  # fmt: skip

    async def supply(
        self, ticket: int, manager: str, brand: str, at: datetime, outcome: str | None = None
    ) -> None:
        """Record a supply request of a brand on a ticket, ended with outcome an hour later."""
        await self.conn.execute(
            insert(supply_requests).values(
                ticket_id=ticket, retailer_id=await self._retailer_of(ticket),
                manager_id=manager, brand=brand, brand_key=brand_key(brand),
                quantity="1条", note="", opened_at=at, outcome=outcome,
                outcome_at=at + timedelta(hours=1) if outcome else None,
            )
        )  # fmt: skip

    async def _retailer_of(self, ticket: int) -> str:
        row = await self.conn.execute(
            tickets.select().with_only_columns(tickets.c.retailer_id).where(tickets.c.id == ticket)
        )
        return str(row.scalar_one())
