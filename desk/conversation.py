"""Where a retailer's message goes: to their manager, into their complaint, held for a choice,
or taken as the order or the rating comment the desk asked them for.

The desk decides this, not the channel: what the retailer is in the middle of (a confidential
conversation with the supervisor, a choice they owe) is stored with them, so every channel and
every worker routes their next message the same way. When in doubt, nothing reaches the manager.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from desk import feedback, ordering
from desk.asking import take_question
from desk.commands import Inbound, Outcome
from desk.complaining import BURST, take_complaint
from desk.complaints import overseers
from desk.content import MAX_TEXT, Content, ContentKind, HeldMessage
from desk.context import DeskContext
from desk.feedback import Comment
from desk.notices import Button, Notice, NoticeKind
from desk.ordering import Order
from desk.people import Address, Retailer
from desk.ports import Ledger
from desk.prompts import Awaited, Expectation, expected_of
from desk.supply import parse_order
from desk.turns import retailer_turn

TO_SUPERVISOR = Button("button.held.supervisor", "held:s")
TO_MANAGER = Button("button.held.manager", "held:m")


class Route(StrEnum):
    """Where one retailer message goes."""

    QUESTION = "question"
    COMPLAINT = "complaint"
    HOLD = "hold"


@dataclass(frozen=True)
class Receive:
    """A retailer sends a message; `reply_to` is the bot message it answers, if any."""

    address: Address
    content: Content
    source: Inbound | None = None
    reply_to: str | None = None


@dataclass(frozen=True)
class BackToManager:
    """A retailer leaves their confidential conversation with the supervisor."""

    address: Address
    source: Inbound | None = None


@dataclass(frozen=True)
class Choose:
    """A retailer says whether their held messages are for the supervisor or their manager."""

    address: Address
    to_supervisor: bool
    source: Inbound | None = None


async def receive(ctx: DeskContext, cmd: Receive) -> Outcome:
    """Route a retailer's message and take it there, in one transaction."""
    async with ctx.store.peek() as reader:
        sender = await reader.retailer_at(cmd.address)
    expected = expected_of(sender, ctx.clock.now()) if sender else None
    if expected is not None and expected.kind in {Awaited.ORDER, Awaited.COMMENT}:
        return await _awaited(ctx, cmd, expected)
    async with ctx.store.transaction() as ledger:
        retailer = await retailer_turn(ledger, cmd.source, cmd.address)
        if isinstance(retailer, Outcome):
            return retailer
        where = await route(ctx, ledger, retailer, cmd.address, cmd.reply_to)
        if where is Route.COMPLAINT:
            taken = await take_complaint(ctx, ledger, retailer, cmd.content)
            return Outcome.CONFIDENTIAL if taken is Outcome.DONE else taken
        if where is Route.HOLD:
            return await _hold(ctx, ledger, retailer, cmd.content)
        # Only a question is refused for length: a complaint is taken whole, in parts.
        if len(cmd.content.text) > MAX_TEXT:
            return Outcome.TOO_LONG
        return await take_question(ctx, ledger, retailer, cmd.content)


async def _awaited(ctx: DeskContext, cmd: Receive, expected: Expectation) -> Outcome:
    """Take the message as the order or the comment the desk asked for."""
    if len(cmd.content.text) > MAX_TEXT:
        return Outcome.TOO_LONG
    text = cmd.content.text if cmd.content.kind is ContentKind.TEXT else ""
    if expected.kind is Awaited.ORDER:
        line = parse_order(text)
        if line is None:
            return Outcome.BAD_ORDER
        taken = await ordering.order(ctx, Order(cmd.address, line, cmd.source))
    elif text and expected.ticket_id is not None:
        taken = await feedback.comment(
            ctx, Comment(cmd.address, expected.ticket_id, text, cmd.source)
        )
    else:
        return Outcome.TEXT_ONLY
    return Outcome.AWAITED if taken is Outcome.DONE else taken


async def route(
    ctx: DeskContext, ledger: Ledger, retailer: Retailer, address: Address, reply_to: str | None
) -> Route:
    """Decide where the retailer's next message goes."""
    if retailer.awaiting == Awaited.HELD:
        return Route.HOLD
    if reply_to is not None and await ledger.complaint_of_message(address, reply_to):
        # A reply to any message of a complaint stays with the supervisor.
        return Route.COMPLAINT
    now = ctx.clock.now()
    if retailer.expecting(now) == Awaited.COMPLAINT:
        # A reply to a ticket message in the middle of a complaint may be meant for the
        # manager after all: ask rather than guess.
        if reply_to is not None and await ledger.ticket_of_message(address, reply_to):
            return Route.HOLD
        return Route.COMPLAINT
    lapsed_at = retailer.awaiting_until
    recent = (
        retailer.awaiting == Awaited.COMPLAINT
        and lapsed_at is not None
        and now < lapsed_at + ctx.complaints.quiet_period
    )
    # The conversation went quiet a while ago: a message now may still be part of it, or a
    # new question. Only the retailer can tell, so the manager sees nothing until they do.
    if recent and await ledger.open_complaint_of(retailer.id) is not None:
        return Route.HOLD
    return Route.QUESTION


async def _hold(ctx: DeskContext, ledger: Ledger, retailer: Retailer, content: Content) -> Outcome:
    """Keep a message back and ask the retailer who it is for, once per burst."""
    now = ctx.clock.now()
    earlier = await ledger.held_messages(retailer.id)
    await ledger.hold(HeldMessage(retailer.id, content, now))
    lapsed = retailer.awaiting == Awaited.COMPLAINT and retailer.expecting(now) is None
    ended_at = retailer.awaiting_until if lapsed else None
    if retailer.awaiting != Awaited.HELD:
        await ledger.expect(retailer.id, Awaited.HELD.value, None)
    if earlier and earlier[-1].at > now - BURST:
        return Outcome.HELD
    params: dict[str, object] = {
        "supervisor": "、".join(s.name for s in overseers(ctx.team, retailer.manager_id)),
        "manager": ctx.team.name_of(retailer.manager_id),
        "count": len(earlier) + 1,
    }
    if ended_at is not None:
        params |= {"until": ended_at.isoformat(), "variant": "ended"}
    await ledger.post(
        Notice(
            to=retailer.id,
            address=ctx.reach(retailer),
            kind=NoticeKind.COMPLAINT_CHOICE,
            lang=retailer.lang,
            params=params,
            buttons=(TO_SUPERVISOR, TO_MANAGER),
        )
    )
    return Outcome.HELD


async def choose(ctx: DeskContext, cmd: Choose) -> Outcome:
    """Send the held messages where the retailer chose, in the order they were written."""
    async with ctx.store.transaction() as ledger:
        retailer = await retailer_turn(ledger, cmd.source, cmd.address)
        if isinstance(retailer, Outcome):
            return retailer
        if retailer.awaiting != Awaited.HELD:
            return Outcome.NOTHING_WAITING
        if cmd.to_supervisor and not overseers(ctx.team, retailer.manager_id):
            return Outcome.NO_SUPERVISOR
        held = await ledger.held_messages(retailer.id)
        await ledger.release_held(retailer.id)
        await ledger.expect(retailer.id, None, None)
        take = take_complaint if cmd.to_supervisor else take_question
        for message in held:
            await take(ctx, ledger, retailer, message.content)
    return Outcome.DONE


async def leave(ctx: DeskContext, cmd: BackToManager) -> Outcome:
    """End the retailer's confidential conversation: their messages go to the manager again."""
    async with ctx.store.transaction() as ledger:
        retailer = await retailer_turn(ledger, cmd.source, cmd.address)
        if isinstance(retailer, Outcome):
            return retailer
        if retailer.awaiting == Awaited.HELD:
            return Outcome.CHOOSE_FIRST
        if retailer.awaiting != Awaited.COMPLAINT:
            return Outcome.NOTHING_WAITING
        await ledger.expect(retailer.id, None, None)
        await ledger.post(
            Notice(
                to=retailer.id,
                address=ctx.reach(retailer),
                kind=NoticeKind.COMPLAINT_LEFT,
                lang=retailer.lang,
                params={
                    "manager": ctx.team.name_of(retailer.manager_id),
                    "supervisor": "、".join(
                        s.name for s in overseers(ctx.team, retailer.manager_id)
                    ),
                },
            )
        )
    return Outcome.DONE
