"""Staff answer, promise an answer, or resolve; the SLA clock reacts."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta

from desk import feedback, flood
from desk.commands import Answer, AnswerTicket, OnIt, Outcome, Resolve
from desk.content import Content
from desk.context import DeskContext
from desk.notices import Notice, NoticeKind
from desk.ports import Ledger, Tickets
from desk.sla import with_due
from desk.tickets import Event, EventKind, Ticket, TicketMessage, TicketStatus
from desk.turns import first_time, managers_turn

ETA_CHOICES = (15, 30, 60, 120)
# "#123 the answer": how staff name a ticket where the channel has no replies.
NUMBERED = re.compile(r"\s*[#＃](\d{1,11})[\s:：]+(\S.*)", re.DOTALL)


def numbered(content: Content) -> tuple[int, Content] | None:
    """Split "#123 the answer" into the ticket number and the answer; None for other text."""
    match = NUMBERED.fullmatch(content.text)
    if match is None:
        return None
    return int(match[1]), replace(content, text=match[2])


async def answer(ctx: DeskContext, cmd: Answer) -> Outcome:
    """Relay a staff reply to the retailer and stop the clock of the waiting round."""
    async with ctx.store.transaction() as ledger:
        if not await first_time(ledger, cmd.source):
            return Outcome.REPEATED
        # Keyed on the replier's own chat: a message id from another chat can never match.
        ticket_id = await ledger.ticket_of_message(cmd.address, cmd.reply_to)
        ticket = await ledger.ticket(ticket_id) if ticket_id is not None else None
        if ticket is None:
            return Outcome.NOT_A_TICKET
        # Holding a message of the ticket is the replier's title to answer it.
        return await _relay(ctx, ledger, ticket, cmd.staff_id, cmd.content)


async def answer_ticket(ctx: DeskContext, cmd: AnswerTicket) -> Outcome:
    """Relay an answer given by ticket number, from someone the ticket reached."""
    async with ctx.store.transaction() as ledger:
        if not await first_time(ledger, cmd.source):
            return Outcome.REPEATED
        ticket = await ledger.ticket(cmd.ticket_id)
        if ticket is None:
            return Outcome.NOT_A_TICKET
        # Without a message to reply to, the number alone must not let any colleague answer
        # any retailer: only those the ticket was given or escalated to, and the supervisor.
        if cmd.staff_id not in await _reached(ctx, ledger, ticket):
            return Outcome.NOT_YOURS
        return await _relay(ctx, ledger, ticket, cmd.staff_id, cmd.content)


async def _reached(ctx: DeskContext, ledger: Tickets, ticket: Ticket) -> set[str]:
    """Return who may answer a ticket by number: its managers, escalation targets, supervisor."""
    home = ctx.team.managers.get(ticket.home_manager_id)
    escalated = await ledger.notified(ticket.id, ticket.opened_at)
    return {
        ticket.manager_id,
        ticket.home_manager_id,
        *escalated,
        *([home.supervisor] if home and home.supervisor else []),
    }


async def _relay(
    ctx: DeskContext, ledger: Ledger, ticket: Ticket, staff_id: str, content: Content
) -> Outcome:
    """Send an answer to the ticket's retailer, credit it, and stop the round's clock."""
    retailer = await ledger.retailer(ticket.retailer_id)
    if retailer is None:
        return Outcome.NOT_A_TICKET
    # Only an open ticket, of a retailer still with the manager it was opened for, takes
    # answers: a manager the retailer was moved away from cannot keep writing to them.
    if not ticket.is_open:
        return Outcome.ANSWER_CLOSED
    if retailer.manager_id != ticket.home_manager_id:
        return Outcome.MOVED
    if not retailer.contacts:
        # The retailer's chat went to another roster entry: say so rather than lose it.
        return Outcome.NO_CHAT
    now = ctx.clock.now()
    await ledger.add_message(TicketMessage(ticket.id, staff_id, False, content, now))
    staff = ctx.team.name_of(staff_id)
    # A long answer or caption comes in parts, none clipped; only the first copies media.
    for part in flood.pieces(content):
        await ledger.post(
            Notice(
                to=retailer.id,
                address=ctx.reach(retailer),
                kind=NoticeKind.ANSWER,
                lang=retailer.lang,
                params={"staff": staff, "text": part.text},
                ticket_id=ticket.id,
                copy_of=part.copy_of,
            )
        )
    await credit(ledger, ticket, staff_id, now)
    await feedback.schedule(ctx, ledger, ticket, now)
    return Outcome.DONE


async def credit(ledger: Tickets, ticket: Ticket, staff_id: str, now: datetime) -> None:
    """Stop the clock of the waiting round and credit the answer to whoever gave it."""
    if ticket.waiting_since is None or not ticket.is_open:
        return
    waited = (now - ticket.waiting_since).total_seconds()
    await ledger.record(
        Event(
            ticket.id,
            EventKind.ANSWERED,
            now,
            actor=staff_id,
            target=ticket.manager_id,
            seconds=waited,
            round=ticket.round,
            detail={"by_other": staff_id != ticket.manager_id},
        )
    )
    ticket = ticket.evolve(
        waiting_since=None,
        round=ticket.round + 1,
        last_step=-1,
        last_fired_at=None,
        eta_until=None,
        hurry_at=None,
        first_response_at=ticket.first_response_at or now,
    )
    await ledger.save_ticket(with_due(ticket))


async def may_act(ctx: DeskContext, staff_id: str, ticket_id: int) -> Outcome:
    """Tell whether a staff member may press a ticket's buttons: its manager, while open."""
    async with ctx.store.peek() as ledger:
        ticket = await ledger.ticket(ticket_id)
    if ticket is None:
        return Outcome.NOT_A_TICKET
    if ticket.manager_id != staff_id:
        return Outcome.NOT_YOURS
    return Outcome.DONE if ticket.is_open else Outcome.CLOSED


async def on_it(ctx: DeskContext, cmd: OnIt) -> Outcome:
    """Record the manager's promise, tell the retailer, and pause the ladder until then."""
    async with ctx.store.transaction() as ledger:
        ticket = await managers_turn(ledger, cmd.source, cmd.ticket_id, cmd.staff_id)
        if isinstance(ticket, Outcome):
            return ticket
        retailer = await ledger.retailer(ticket.retailer_id)
        if ticket.waiting_since is None or retailer is None:
            return Outcome.NOTHING_WAITING
        if not retailer.contacts:
            return Outcome.NO_CHAT
        now = ctx.clock.now()
        eta = now + timedelta(minutes=cmd.minutes)
        await ledger.record(
            Event(
                ticket.id,
                EventKind.ON_IT,
                now,
                actor=cmd.staff_id,
                seconds=(now - ticket.waiting_since).total_seconds(),
                round=ticket.round,
                detail={"eta": eta.isoformat(), "minutes": cmd.minutes},
            )
        )
        await ledger.post(
            Notice(
                to=retailer.id,
                address=ctx.reach(retailer),
                kind=NoticeKind.ETA,
                lang=retailer.lang,
                params={"manager": ctx.team.name_of(cmd.staff_id), "eta": eta.isoformat()},
                ticket_id=ticket.id,
            )
        )
        acknowledged = ticket.acknowledged_at or now
        await ledger.save_ticket(
            with_due(ticket.evolve(eta_until=eta, acknowledged_at=acknowledged))
        )
    return Outcome.DONE


async def resolve(ctx: DeskContext, cmd: Resolve) -> Outcome:
    """Close the ticket and tell the retailer."""
    async with ctx.store.transaction() as ledger:
        ticket = await managers_turn(ledger, cmd.source, cmd.ticket_id, cmd.staff_id)
        if isinstance(ticket, Outcome):
            return ticket
        retailer = await ledger.retailer(ticket.retailer_id)
        now = ctx.clock.now()
        await ledger.record(Event(ticket.id, EventKind.RESOLVED, now, actor=cmd.staff_id))
        closed = ticket.evolve(status=TicketStatus.RESOLVED, resolved_at=now, eta_until=None)
        await ledger.save_ticket(with_due(closed))
        if retailer is not None and retailer.contacts:
            await ledger.post(
                Notice(
                    to=retailer.id,
                    address=ctx.reach(retailer),
                    kind=NoticeKind.RESOLVED,
                    lang=retailer.lang,
                    params={"ticket": ticket.id, "manager": ctx.team.name_of(cmd.staff_id)},
                    ticket_id=ticket.id,
                )
            )
            await feedback.ask_now(ctx, ledger, closed, retailer, now)
    return Outcome.DONE
