"""Ratings: ask the retailer once per ticket, keep their score, alert on a low one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from desk.commands import Inbound, Outcome
from desk.complaints import overseers
from desk.context import DeskContext
from desk.notices import Button, Notice, NoticeKind
from desk.people import Address, Retailer
from desk.ports import Ledger
from desk.prompts import Awaited, Expectation, prompt
from desk.ratings import SCORES, Rating
from desk.tickets import Ticket, TicketMessage
from desk.turns import first_time

# The low-rating alert shows this much of the conversation: the end is what went wrong.
SHOWN_MESSAGES = 20


@dataclass(frozen=True)
class Rate:
    """A retailer presses one of the score buttons of a ticket."""

    address: Address
    ticket_id: int
    score: int
    source: Inbound | None = None


@dataclass(frozen=True)
class Comment:
    """A retailer adds a comment to the score they gave."""

    address: Address
    ticket_id: int
    text: str
    source: Inbound | None = None


def rate_buttons(ticket_id: int) -> tuple[Button, ...]:
    """Return the five score buttons of a ticket."""
    return tuple(Button(f"button.rate{s}", f"rate:{ticket_id}:{s}") for s in SCORES)


async def schedule(ctx: DeskContext, ledger: Ledger, ticket: Ticket, now: datetime) -> None:
    """Ask for a rating a while after this answer, unless the retailer was asked already."""
    rating = await ledger.rating(ticket.id)
    if rating is not None and rating.asked_at is not None:
        return
    rating = rating or Rating(ticket.id, ticket.retailer_id, ticket.manager_id)
    await ledger.save_rating(rating.evolve(due_at=now + ctx.ratings.ask_after))


async def ask_now(
    ctx: DeskContext, ledger: Ledger, ticket: Ticket, retailer: Retailer, now: datetime
) -> None:
    """Ask for the ticket's rating at once (it was resolved), unless asked already."""
    rating = await ledger.rating(ticket.id)
    if rating is not None and rating.asked_at is not None:
        return
    rating = rating or Rating(ticket.id, ticket.retailer_id, ticket.manager_id)
    await _ask(ctx, ledger, rating, ticket, retailer, now)


async def ask_due(ctx: DeskContext, now: datetime, limit: int = 500) -> int:
    """Ask for every rating whose time has come; return how many were settled."""
    async with ctx.store.transaction() as ledger:
        due = await ledger.due_ratings(now, limit)
        for rating in due:
            await ask_one(ctx, ledger, rating, now)
    return len(due)


async def ask_one(ctx: DeskContext, ledger: Ledger, rating: Rating, now: datetime) -> None:
    """Ask for one due rating, or drop its due time when there is nobody to ask."""
    ticket = await ledger.ticket(rating.ticket_id)
    retailer = await ledger.retailer(rating.retailer_id)
    # Waiting again: the answer to come sets a new time. Unlinked: nobody to ask.
    waiting = ticket is not None and ticket.is_open and ticket.waiting_since is not None
    if ticket is None or retailer is None or not retailer.contacts or waiting:
        await ledger.save_rating(rating.evolve(due_at=None))
        return
    await _ask(ctx, ledger, rating, ticket, retailer, now)


async def _ask(
    ctx: DeskContext,
    ledger: Ledger,
    rating: Rating,
    ticket: Ticket,
    retailer: Retailer,
    now: datetime,
) -> None:
    await ledger.save_rating(rating.evolve(due_at=None, asked_at=now))
    await ledger.post(
        Notice(
            to=retailer.id,
            address=ctx.reach(retailer),
            kind=NoticeKind.RATE_ASK,
            lang=retailer.lang,
            params={"ticket": ticket.id, "manager": ctx.team.name_of(rating.manager_id)},
            ticket_id=ticket.id,
            buttons=rate_buttons(ticket.id),
        )
    )


async def _own_rating(
    ledger: Ledger, address: Address, ticket_id: int
) -> tuple[Retailer, Ticket, Rating | None] | Outcome:
    """Return the rating only to the ticket's own retailer."""
    retailer = await ledger.retailer_at(address)
    ticket = await ledger.ticket(ticket_id)
    if retailer is None or ticket is None or ticket.retailer_id != retailer.id:
        return Outcome.NOT_YOURS
    return retailer, ticket, await ledger.rating(ticket_id)


async def rate(ctx: DeskContext, cmd: Rate) -> Outcome:
    """Store the retailer's score once; a low one alerts the manager's supervisor."""
    if cmd.score not in SCORES:
        return Outcome.NOT_YOURS
    async with ctx.store.transaction() as ledger:
        if not await first_time(ledger, cmd.source):
            return Outcome.REPEATED
        found = await _own_rating(ledger, cmd.address, cmd.ticket_id)
        if isinstance(found, Outcome):
            return found
        retailer, ticket, rating = found
        if rating is None or rating.asked_at is None:
            return Outcome.NOT_ASKED
        if rating.given:
            return Outcome.ALREADY_RATED
        now = ctx.clock.now()
        rating = rating.evolve(score=cmd.score, rated_at=now)
        await ledger.save_rating(rating)
        await ledger.post(
            Notice(
                to=retailer.id,
                address=ctx.reach(retailer),
                kind=NoticeKind.RATED,
                lang=retailer.lang,
                params={"ticket": ticket.id, "score": cmd.score},
                ticket_id=ticket.id,
                buttons=(Button("button.comment", f"rcm:{ticket.id}"),),
            )
        )
        if cmd.score <= ctx.ratings.low:
            await _alert(ctx, ledger, rating, retailer, await ledger.conversation(ticket.id))
    return Outcome.DONE


async def want_comment(ctx: DeskContext, address: Address, ticket_id: int) -> Outcome:
    """Take the retailer's next message as the comment on their score."""
    async with ctx.store.transaction() as ledger:
        found = await _own_rating(ledger, address, ticket_id)
        if isinstance(found, Outcome):
            return found
        retailer, ticket, rating = found
        if rating is None or not rating.given:
            return Outcome.NOT_ASKED
        if rating.comment:
            return Outcome.ALREADY_RATED
        await prompt(ctx, ledger, retailer, Expectation(Awaited.COMMENT, ticket.id), {})
    return Outcome.DONE


async def comment(ctx: DeskContext, cmd: Comment) -> Outcome:
    """Store the comment on a score once; on a low score the supervisor reads it too."""
    async with ctx.store.transaction() as ledger:
        if not await first_time(ledger, cmd.source):
            return Outcome.REPEATED
        found = await _own_rating(ledger, cmd.address, cmd.ticket_id)
        if isinstance(found, Outcome):
            return found
        retailer, ticket, rating = found
        await ledger.expect(retailer.id, None, None)
        if rating is None or rating.score is None:
            return Outcome.NOT_ASKED
        if rating.comment:
            return Outcome.ALREADY_RATED
        score = rating.score
        rating = rating.evolve(comment=cmd.text)
        await ledger.save_rating(rating)
        await ledger.post(
            Notice(
                to=retailer.id,
                address=ctx.reach(retailer),
                kind=NoticeKind.RATED,
                lang=retailer.lang,
                params={"ticket": ticket.id, "score": score, "variant": "comment"},
                ticket_id=ticket.id,
            )
        )
        if score <= ctx.ratings.low:
            await _alert(ctx, ledger, rating, retailer, [])
    return Outcome.DONE


async def _alert(
    ctx: DeskContext,
    ledger: Ledger,
    rating: Rating,
    retailer: Retailer,
    conversation: list[TicketMessage],
) -> None:
    """Tell the rated manager's supervisor, with the conversation (or the comment) attached."""
    lines = [
        f"{ctx.local(m.at):%m-%d %H:%M} "
        f"{retailer.name if m.from_retailer else ctx.team.name_of(m.author_id)}："
        f"{m.content.preview() or '[' + m.content.kind.value + ']'}"
        for m in conversation[-SHOWN_MESSAGES:]
    ]
    for supervisor in overseers(ctx.team, rating.manager_id):
        await ledger.post(
            Notice(
                to=supervisor.id,
                address=ctx.reach(supervisor),
                kind=NoticeKind.LOW_RATING,
                lang=supervisor.lang,
                params={
                    "ticket": rating.ticket_id,
                    "score": rating.score,
                    "retailer": retailer.name,
                    "shop": retailer.shop,
                    "manager": ctx.team.name_of(rating.manager_id),
                    "conversation": "\n".join(lines),
                    "comment": rating.comment or "",
                    **({"variant": "comment"} if rating.comment else {}),
                },
                ticket_id=rating.ticket_id,
            )
        )
