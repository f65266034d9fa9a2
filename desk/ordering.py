"""A retailer orders a brand; the manager answers how the order ends, or answers freely.

An order is a question like any other: it joins the retailer's ticket, starts the clock and
climbs the ladder. The manager's outcome button is an answer: it reaches the retailer,
stops the clock, and is kept for the weekly summary.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from desk import feedback
from desk.answering import credit
from desk.asking import _open as open_ticket
from desk.commands import Inbound, Outcome
from desk.content import Content, ContentKind
from desk.context import DeskContext
from desk.notices import Button, Notice, NoticeKind
from desk.people import Address
from desk.ports import Tickets
from desk.prompts import Awaited
from desk.sla import with_due
from desk.supply import RESTOCK_DAYS, OrderLine, RefusalReason, SupplyOutcome, SupplyRequest
from desk.tickets import Event, EventKind, Ticket, TicketMessage
from desk.turns import first_time, retailer_turn

# Button data names the outcome briefly: callback data is limited to 64 bytes.
OUTCOME_CODES = {
    SupplyOutcome.FULFILLED: "ok",
    SupplyOutcome.PARTIAL: "part",
    SupplyOutcome.OUT_OF_STOCK: "oos",
    SupplyOutcome.REFUSED: "no",
}


@dataclass(frozen=True)
class Order:
    """A retailer asks for a brand, a quantity, with a note."""

    address: Address
    line: OrderLine
    source: Inbound | None = None


@dataclass(frozen=True)
class SupplyAnswer:
    """The manager says how an order ends."""

    staff_id: str
    request_id: int
    outcome: SupplyOutcome
    # Out of stock: days until the expected restock (0: not known). Refused: why.
    restock_days: int | None = None
    reason: RefusalReason | None = None
    source: Inbound | None = None


def supply_buttons(request_id: int) -> tuple[Button, ...]:
    """Return the manager's outcome buttons of an order."""
    return tuple(
        Button(f"button.supply.{outcome.value}", f"sup:{request_id}:{code}")
        for outcome, code in OUTCOME_CODES.items()
    )


async def order(ctx: DeskContext, cmd: Order) -> Outcome:
    """Put the order into the retailer's ticket, acknowledge it, and reach the manager."""
    async with ctx.store.transaction() as ledger:
        retailer = await retailer_turn(ledger, cmd.source, cmd.address)
        if isinstance(retailer, Outcome):
            return retailer
        now = ctx.clock.now()
        ticket = await ledger.open_ticket_of(retailer.id) or await open_ticket(
            ctx, ledger, retailer, now
        )
        if ticket.waiting_since is None:
            ticket = ticket.evolve(waiting_since=now)
        content = Content(ContentKind.TEXT, cmd.line.summary())
        await ledger.add_message(TicketMessage(ticket.id, retailer.id, True, content, now))
        await ledger.record(
            Event(ticket.id, EventKind.ASKED, now, actor=retailer.id, round=ticket.round)
        )
        request = await ledger.create_supply(
            SupplyRequest(0, ticket.id, retailer.id, ticket.manager_id, cmd.line, now)
        )
        # An order ends an order prompt, never a complaint or a choice the retailer still owes.
        if retailer.awaiting in {Awaited.ORDER, Awaited.COMMENT}:
            await ledger.expect(retailer.id, None, None)
        line = {"brand": cmd.line.brand, "quantity": cmd.line.quantity or "-"}
        first_target = ticket.policy.first_target
        due = ticket.waiting_since + first_target if ticket.waiting_since and first_target else None
        params: dict[str, object] = {
            **line,
            "ticket": ticket.id,
            "request": request.id,
            "manager": ctx.team.name_of(ticket.manager_id),
            "due": due.isoformat() if due else None,
        }
        if due is not None and due <= now:
            # A time already past is no promise: say instead who has the ticket now.
            params |= {"variant": "overdue", "notified": await _told(ctx, ledger, ticket)}
        await ledger.post(
            Notice(
                to=retailer.id,
                address=ctx.reach(retailer),
                kind=NoticeKind.SUPPLY_ACK,
                lang=retailer.lang,
                params=params,
                ticket_id=ticket.id,
            )
        )
        manager = ctx.team.managers[ticket.manager_id]
        await ledger.post(
            Notice(
                to=manager.id,
                address=ctx.reach(manager),
                kind=NoticeKind.SUPPLY,
                lang=manager.lang,
                params={
                    **line,
                    "ticket": ticket.id,
                    "request": request.id,
                    "retailer": retailer.name,
                    "shop": retailer.shop,
                    "note": cmd.line.note or "-",
                },
                ticket_id=ticket.id,
                buttons=supply_buttons(request.id),
            )
        )
        await ledger.save_ticket(with_due(ticket))
    return Outcome.DONE


async def _told(ctx: DeskContext, ledger: Tickets, ticket: Ticket) -> list[str]:
    """Return the names of everyone who has the ticket's waiting round: the manager first."""
    since = ticket.waiting_since or ticket.opened_at
    told = [ticket.manager_id, *await ledger.notified(ticket.id, since)]
    return [ctx.team.name_of(staff_id) for staff_id in dict.fromkeys(told)]


async def may_answer(ctx: DeskContext, staff_id: str, request_id: int) -> Outcome:
    """Tell whether a staff member may press an order's buttons: its ticket's manager."""
    async with ctx.store.peek() as ledger:
        request = await ledger.supply(request_id)
        ticket = await ledger.ticket(request.ticket_id) if request else None
    if request is None or ticket is None:
        return Outcome.NOT_A_TICKET
    return (
        Outcome.DONE if staff_id in {ticket.manager_id, request.manager_id} else Outcome.NOT_YOURS
    )


async def answer_supply(ctx: DeskContext, cmd: SupplyAnswer) -> Outcome:
    """Record how the order ends, tell the retailer, and count it as the manager's answer."""
    if cmd.restock_days is not None and cmd.restock_days not in RESTOCK_DAYS:
        return Outcome.NOT_A_TICKET
    async with ctx.store.transaction() as ledger:
        if not await first_time(ledger, cmd.source):
            return Outcome.REPEATED
        request = await ledger.supply(cmd.request_id)
        ticket = await ledger.ticket(request.ticket_id) if request else None
        retailer = await ledger.retailer(ticket.retailer_id) if ticket else None
        if request is None or ticket is None or retailer is None:
            return Outcome.NOT_A_TICKET
        if cmd.staff_id not in {ticket.manager_id, request.manager_id}:
            return Outcome.NOT_YOURS
        now = ctx.clock.now()
        days = cmd.restock_days if cmd.outcome is SupplyOutcome.OUT_OF_STOCK else None
        expected = ctx.local(now).date() + timedelta(days=days) if days else None
        reason = (
            (cmd.reason or RefusalReason.OTHER) if cmd.outcome is SupplyOutcome.REFUSED else None
        )
        request = request.evolve(
            outcome=cmd.outcome,
            expected=expected,
            reason=reason,
            answered_by=cmd.staff_id,
            answered_at=request.answered_at or now,
            outcome_at=now,
        )
        await ledger.save_supply(request)
        record = " ".join(
            str(part) for part in ("🛒", cmd.outcome.value, expected, reason) if part is not None
        )
        await ledger.add_message(
            TicketMessage(ticket.id, cmd.staff_id, False, Content(ContentKind.TEXT, record), now)
        )
        variant = cmd.outcome.value
        if cmd.outcome is SupplyOutcome.OUT_OF_STOCK and expected is None:
            variant = "out_of_stock_open"
        elif reason is not None:
            variant = f"refused.{reason.value}"
        await ledger.post(
            Notice(
                to=retailer.id,
                address=ctx.reach(retailer),
                kind=NoticeKind.SUPPLY_ANSWER,
                lang=retailer.lang,
                params={
                    "variant": variant,
                    "staff": ctx.team.name_of(cmd.staff_id),
                    "brand": request.line.brand,
                    "quantity": request.line.quantity or "-",
                    "request": request.id,
                    "expected": expected.isoformat() if expected else None,
                },
                ticket_id=ticket.id,
            )
        )
        await credit(ledger, ticket, cmd.staff_id, now)
        await feedback.schedule(ctx, ledger, ticket, now)
    return Outcome.DONE
