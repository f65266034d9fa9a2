"""React to a notification the channel could not deliver."""

from __future__ import annotations

from desk.context import DeskContext
from desk.notices import Notice, NoticeKind
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


async def held(ctx: DeskContext, notice: Notice, *, taken: bool = False) -> None:
    """Tell the ticket's manager that a message to the retailer waits for their next word."""
    if notice.ticket_id is None:
        return
    async with ctx.store.transaction() as ledger:
        ticket = await ledger.ticket(notice.ticket_id)
        manager = ctx.team.staff(ticket.manager_id) if ticket is not None else None
        if ticket is None or manager is None or not manager.contacts:
            return
        retailer = await ledger.retailer(ticket.retailer_id)
        if retailer is None:
            return
        # Once per ticket until the retailer writes again: every held row of a silent
        # retailer says the same thing, and their next message sends them all.
        told = await ledger.last_notice(ticket.id, manager.id, (NoticeKind.DELIVERY_HELD,))
        if told is not None:
            heard = [m.at for m in await ledger.conversation(ticket.id) if m.from_retailer]
            if not heard or told.not_before >= max(heard):
                return
        params = {"ticket": ticket.id, "retailer": retailer.name, "shop": retailer.shop}
        if taken:
            params["variant"] = "taken"
        await ledger.post(
            Notice(
                manager.id,
                ctx.reach(manager),
                NoticeKind.DELIVERY_HELD,
                manager.lang,
                params,
                ticket_id=ticket.id,
            )
        )
