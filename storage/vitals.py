"""The figures that live in the database, read for monitoring: backlog, escalations, latency."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import case, func, literal, select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.outbox import UNSENT
from storage.tables import events, inbox, outbox

# Seconds; a first answer within 15 minutes is the default ladder's first step.
LATENCY_BUCKETS = (30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0, 14400.0, 86400.0)


@dataclass(frozen=True)
class Vitals:
    """What the database says now, the same whichever worker reads it."""

    backlog: int
    escalations: dict[int, int]
    latency_buckets: tuple[tuple[float, int], ...]
    latency_count: int
    latency_sum: float
    # What was set aside instead of stopping everyone else: see `retaildesk status`.
    troubles: Troubles


@dataclass(frozen=True)
class Troubles:
    """Updates, outbox rows and ladder items set aside for an admin, each on its own."""

    parked_updates: int
    failed_sends: int
    stuck_escalations: int


async def read_troubles(conn: AsyncConnection) -> Troubles:
    """Count parked updates, failed outbox rows and items the ladder set aside."""
    parked = await conn.scalar(select(func.count()).where(inbox.c.state == "dead"))
    failed = await conn.scalar(select(func.count()).where(outbox.c.state == "failed"))
    stuck = await conn.scalar(select(func.count()).where(events.c.kind == "stuck"))
    return Troubles(int(parked or 0), int(failed or 0), int(stuck or 0))


async def read_vitals(conn: AsyncConnection, buckets: Sequence[float] = LATENCY_BUCKETS) -> Vitals:
    """Count undelivered rows, fired steps by step, and bucket every first response."""
    backlog = await conn.scalar(select(func.count()).where(outbox.c.state.in_(UNSENT)))
    steps = await conn.execute(
        select(events.c.step, func.count())
        .where(events.c.kind == "escalated", events.c.step.is_not(None))
        .group_by(events.c.step)
    )
    # The first answer of a ticket closes its round 0; its seconds are the first response.
    first = (events.c.kind == "answered") & (events.c.round == 0)
    columns = [func.sum(case((events.c.seconds <= bound, 1), else_=0)) for bound in buckets]
    row = (
        await conn.execute(
            select(func.count(), func.coalesce(func.sum(events.c.seconds), 0.0), *columns).where(
                first
            )
        )
    ).one()
    count, total, *cumulative = row
    return Vitals(
        backlog=int(backlog or 0),
        escalations={int(step): int(n) for step, n in steps.all()},
        latency_buckets=tuple(
            (bound, int(n or 0)) for bound, n in zip(buckets, cumulative, strict=True)
        ),
        latency_count=int(count),
        latency_sum=float(total),
        troubles=await read_troubles(conn),
    )


async def ping(conn: AsyncConnection) -> None:
    """Run the cheapest query there is; raises when the database cannot be reached."""
    await conn.execute(select(literal(1)))
