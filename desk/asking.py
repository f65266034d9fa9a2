"""A retailer asks: open or continue the ticket, acknowledge, and reach the manager."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from desk import flood
from desk.commands import Ask, Outcome
from desk.content import Content
from desk.context import DeskContext
from desk.notices import Button, Notice, NoticeKind
from desk.people import Retailer
from desk.ports import Ledger
from desk.sla import with_due
from desk.tickets import Event, EventKind, Ticket, TicketMessage
from desk.turns import retailer_turn

TO_MANAGER = (NoticeKind.QUESTION, NoticeKind.FOLLOWUP)


def ticket_buttons(ticket_id: int) -> tuple[Button, ...]:
    """Return the manager's buttons for a ticket: on it, and resolve."""
    return (Button("button.on_it", f"on:{ticket_id}"), Button("button.resolve", f"res:{ticket_id}"))


async def ask(ctx: DeskContext, cmd: Ask) -> Outcome:
    """Take a retailer's message into their ticket and notify both sides."""
    async with ctx.store.transaction() as ledger:
        retailer = await retailer_turn(ledger, cmd.source, cmd.address)
        if isinstance(retailer, Outcome):
            return retailer
        return await take_question(ctx, ledger, retailer, cmd.content)


async def take_question(
    ctx: DeskContext, ledger: Ledger, retailer: Retailer, content: Content
) -> Outcome:
    """Add a message to the retailer's ticket, acknowledge a new round, and reach the manager."""
    now = ctx.clock.now()
    ticket = await ledger.open_ticket_of(retailer.id)
    new_round = ticket is None or ticket.waiting_since is None
    if ticket is None:
        # Opened already waiting, with its first due time: the final save changes nothing.
        ticket = await _open(ctx, ledger, retailer, now)
    elif new_round:
        ticket = ticket.evolve(waiting_since=now)
    await ledger.add_message(TicketMessage(ticket.id, retailer.id, True, content, now))
    await ledger.record(
        Event(ticket.id, EventKind.ASKED, now, actor=retailer.id, round=ticket.round)
    )
    parts = to_manager(ctx, retailer, ticket, content, first=ticket.round == 0 and new_round)
    if new_round:
        # The first message of a round reaches the manager at once, whatever came before.
        await ledger.post(_acknowledgement(ctx, retailer, ticket, now))
        for notice in parts:
            await ledger.post(notice)
    else:
        for notice in parts:
            await _follow_up(ctx, ledger, ticket, notice, now)
        await _calm_down(ctx, ledger, retailer, ticket, now)
    await ledger.save_ticket(with_due(ticket))
    return Outcome.DONE


async def _follow_up(
    ctx: DeskContext, ledger: Ledger, ticket: Ticket, notice: Notice, now: datetime
) -> None:
    """Batch a later message of the round into the manager's next notification."""
    latest = await ledger.last_notice(ticket.id, notice.to, TO_MANAGER)
    step = flood.plan(latest, notice, now, ctx.flood)
    if isinstance(step, flood.Merge):
        if await ledger.amend(step.into, step.notice):
            return
        # The sender took the batch meanwhile: start the next one after it.
        step = flood.plan(replace(step.into, untried=False), notice, now, ctx.flood)
        assert isinstance(step, flood.Hold)
    await ledger.post(notice, step.until)


async def _calm_down(
    ctx: DeskContext, ledger: Ledger, retailer: Retailer, ticket: Ticket, now: datetime
) -> None:
    """Ask a retailer far over the chatter limit to slow down, once per round."""
    recent = await ledger.waiting_messages(ticket.id, flood.since(now, ctx.flood))
    if len(recent) <= ctx.flood.slow_down_after:
        return
    told = await ledger.last_notice(ticket.id, retailer.id, (NoticeKind.SLOW_DOWN,))
    round_start = ticket.waiting_since or ticket.opened_at
    if told is not None and told.not_before >= round_start:
        return
    await ledger.post(
        Notice(
            to=retailer.id,
            address=ctx.reach(retailer),
            kind=NoticeKind.SLOW_DOWN,
            lang=retailer.lang,
            params={"ticket": ticket.id, "manager": ctx.team.name_of(ticket.manager_id)},
            ticket_id=ticket.id,
        )
    )


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
        waiting_since=now,
    )
    ticket = await ledger.create_ticket(with_due(draft))
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


def to_manager(
    ctx: DeskContext, retailer: Retailer, ticket: Ticket, content: Content, *, first: bool
) -> list[Notice]:
    """Return the manager's notices for one message; a very long text comes in parts."""
    manager = ctx.team.managers[ticket.manager_id]
    return [
        Notice(
            to=manager.id,
            address=ctx.reach(manager),
            kind=NoticeKind.QUESTION if first and part.first else NoticeKind.FOLLOWUP,
            lang=manager.lang,
            params={
                "ticket": ticket.id,
                "retailer": retailer.name,
                "shop": retailer.shop,
                "text": part.text,
                "content": part.kind.value,
            },
            ticket_id=ticket.id,
            copy_of=part.copy_of,
            buttons=ticket_buttons(ticket.id),
        )
        for part in flood.pieces(content)
    ]
