"""What the desk takes a retailer's next message as: a complaint, an order, or a comment.

The wait is stored with the retailer, so it holds across restarts and workers, and it lapses
on its own: a message sent long after the prompt is an ordinary question again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from desk.commands import Inbound, Outcome
from desk.complaints import overseers
from desk.context import DeskContext
from desk.notices import Button, Notice, NoticeKind
from desk.people import Address, Retailer
from desk.ports import Ledger
from desk.turns import retailer_turn

WINDOW = timedelta(minutes=30)
CANCEL = Button("button.cancel", "cancel")


class Awaited(StrEnum):
    """Kinds of message the desk can be waiting for."""

    COMPLAINT = "complaint"
    ORDER = "order"
    COMMENT = "comment"
    # Messages that may belong to a complaint wait for the retailer to say where they go.
    HELD = "held"


@dataclass(frozen=True)
class Expectation:
    """What the next message is taken as, and the ticket it belongs to, if any."""

    kind: Awaited
    ticket_id: int | None = None

    def encode(self) -> str:
        """Return the form stored with the retailer."""
        return self.kind.value if self.ticket_id is None else f"{self.kind.value}:{self.ticket_id}"

    @classmethod
    def decode(cls, stored: str | None) -> Expectation | None:
        """Read a stored expectation; None for nothing, or for what this version cannot read."""
        kind, _, ticket = (stored or "").partition(":")
        if kind not in {k.value for k in Awaited} or (ticket and not ticket.isdigit()):
            return None
        return cls(Awaited(kind), int(ticket) if ticket else None)


def expected_of(retailer: Retailer, now: datetime) -> Expectation | None:
    """Return what the retailer's next message is taken as right now."""
    return Expectation.decode(retailer.expecting(now))


@dataclass(frozen=True)
class Expect:
    """A retailer asks to write a complaint or an order next."""

    address: Address
    expectation: Expectation
    source: Inbound | None = None


async def expect(ctx: DeskContext, cmd: Expect) -> Outcome:
    """Take the retailer's next message as the kind they chose, and tell them how."""
    async with ctx.store.transaction() as ledger:
        retailer = await retailer_turn(ledger, cmd.source, cmd.address)
        if isinstance(retailer, Outcome):
            return retailer
        if retailer.awaiting == Awaited.HELD:
            return Outcome.CHOOSE_FIRST
        talking = retailer.expecting(ctx.clock.now()) == Awaited.COMPLAINT
        # An order prompt would quietly end the confidential conversation; leave it first.
        if talking and cmd.expectation.kind is not Awaited.COMPLAINT:
            return Outcome.IN_COMPLAINT
        supervisors = overseers(ctx.team, retailer.manager_id)
        if cmd.expectation.kind is Awaited.COMPLAINT and not supervisors:
            return Outcome.NO_SUPERVISOR
        params = {
            "supervisor": "、".join(s.name for s in supervisors),
            "manager": ctx.team.name_of(retailer.manager_id),
        }
        await prompt(ctx, ledger, retailer, cmd.expectation, params)
    return Outcome.DONE


async def prompt(
    ctx: DeskContext,
    ledger: Ledger,
    retailer: Retailer,
    expectation: Expectation,
    params: Mapping[str, object],
) -> None:
    """Store the wait and post the prompt that explains it, with a cancel button."""
    # A complaint is a conversation, so its prompt lasts as long as a silence within one.
    window = ctx.complaints.quiet_period if expectation.kind is Awaited.COMPLAINT else WINDOW
    until = ctx.clock.now() + window
    await ledger.expect(retailer.id, expectation.encode(), until)
    await ledger.post(
        Notice(
            to=retailer.id,
            address=ctx.reach(retailer),
            kind=NoticeKind.PROMPT,
            lang=retailer.lang,
            params={
                **params,
                "variant": expectation.kind.value,
                "ticket": expectation.ticket_id,
                "minutes": int(window.total_seconds() // 60),
                "until": until.isoformat(),
            },
            buttons=(CANCEL,),
        )
    )


async def cancel(ctx: DeskContext, address: Address) -> Outcome:
    """Stop waiting for a special message: the next one is an ordinary question again."""
    async with ctx.store.transaction() as ledger:
        retailer = await ledger.retailer_at(address)
        if retailer is None:
            return Outcome.UNKNOWN_SENDER
        if retailer.awaiting == Awaited.HELD:
            return Outcome.CHOOSE_FIRST
        if retailer.expecting(ctx.clock.now()) is None:
            return Outcome.NOTHING_WAITING
        await ledger.expect(retailer.id, None, None)
    return Outcome.DONE
