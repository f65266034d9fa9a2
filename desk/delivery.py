"""React to a notification the channel could not deliver."""

from __future__ import annotations

from desk.context import DeskContext
from desk.sla import with_due
from desk.tickets import Event, EventKind


async def unreachable(ctx: DeskContext, ticket_id: int, staff_id: str, step: int | None) -> None:
    """Record an undelivered staff notification and bring the next step forward to now."""
    async with ctx.store.transaction() as ledger:
        ticket = await ledger.ticket(ticket_id)
        if ticket is None:
            return
        now = ctx.clock.now()
        await ledger.record(
            Event(
                ticket.id, EventKind.UNREACHABLE, now, target=staff_id, step=step, delivered=False
            )
        )
        if ticket.is_open and ticket.waiting_since is not None:
            await ledger.save_ticket(with_due(ticket.evolve(hurry_at=now)))
