"""A retailer asks: open or continue the ticket, acknowledge, and reach the manager."""

from __future__ import annotations

from datetime import datetime

from desk.commands import Ask, Outcome
from desk.context import DeskContext
from desk.notices import Button, Notice, NoticeKind
from desk.people import Retailer
from desk.ports import Ledger
from desk.sla import with_due
from desk.tickets import Event, EventKind, Ticket, TicketMessage


def ticket_buttons(ticket_id: int) -> tuple[Button, ...]:
    """Return the manager's buttons for a ticket: on it, and resolve."""
    return (Button("button.on_it", f"on:{ticket_id}"), Button("button.resolve", f"res:{ticket_id}"))


async def ask(ctx: DeskContext, cmd: Ask) -> Outcome:
    """Take a retailer's message into their ticket and notify both sides."""
    async with ctx.store.transaction() as ledger:
        if cmd.source and not await ledger.settle(cmd.source.channel, cmd.source.update_id):
            return Outcome.REPEATED
        retailer = await ledger.retailer_at(cmd.address)
        if retailer is None:
            return Outcome.UNKNOWN_SENDER
        now = ctx.clock.now()
        ticket = await ledger.open_ticket_of(retailer.id)
        if ticket is None:
            ticket = await _open(ctx, ledger, retailer, now)
        new_round = ticket.waiting_since is None
        if new_round:
            ticket = ticket.evolve(waiting_since=now)
        await ledger.add_message(TicketMessage(ticket.id, retailer.id, True, cmd.content, now))
        await ledger.record(
            Event(ticket.id, EventKind.ASKED, now, actor=retailer.id, round=ticket.round)
        )
        if new_round:
            await ledger.post(_acknowledgement(ctx, retailer, ticket, now))
        await ledger.post(
            _to_manager(ctx, retailer, ticket, cmd, first=ticket.round == 0 and new_round)
        )
        await ledger.save_ticket(with_due(ticket))
    return Outcome.DONE


async def _open(ctx: DeskContext, ledger: Ledger, retailer: Retailer, now: datetime) -> Ticket:
    leave = await ledger.leave_of(retailer.manager_id, now)
    manager_id = leave.covering_id if leave else retailer.manager_id
    manager = ctx.team.managers.get(retailer.manager_id)
    off_hours = manager is not None and not manager.hours.covers(ctx.local(now))
    draft = Ticket(
        id=0,
        retailer_id=retailer.id,
        manager_id=manager_id,
        home_manager_id=retailer.manager_id,
        opened_at=now,
        policy=ctx.policy,
        off_hours=off_hours,
    )
    ticket = await ledger.create_ticket(draft)
    await ledger.record(
        Event(ticket.id, EventKind.OPENED, now, actor=retailer.id, target=manager_id)
    )
    return ticket


def _acknowledgement(ctx: DeskContext, retailer: Retailer, ticket: Ticket, now: datetime) -> Notice:
    first_target = ticket.policy.first_target
    params: dict[str, object] = {
        "ticket": ticket.id,
        "manager": ctx.team.name_of(ticket.manager_id),
        "due": (now + first_target).isoformat() if first_target else None,
    }
    if ticket.manager_id != ticket.home_manager_id:
        params["covering_for"] = ctx.team.name_of(ticket.home_manager_id)
    return Notice(
        to=retailer.id,
        address=ctx.reach(retailer),
        kind=NoticeKind.ACK,
        lang=retailer.lang,
        params=params,
        ticket_id=ticket.id,
    )


def _to_manager(
    ctx: DeskContext, retailer: Retailer, ticket: Ticket, cmd: Ask, *, first: bool
) -> Notice:
    manager = ctx.team.managers[ticket.manager_id]
    return Notice(
        to=manager.id,
        address=ctx.reach(manager),
        kind=NoticeKind.QUESTION if first else NoticeKind.FOLLOWUP,
        lang=manager.lang,
        params={
            "ticket": ticket.id,
            "retailer": retailer.name,
            "shop": retailer.shop,
            "text": cmd.content.text,
            "content": cmd.content.kind.value,
        },
        ticket_id=ticket.id,
        copy_of=cmd.content if cmd.content.is_media else None,
        buttons=ticket_buttons(ticket.id),
    )
