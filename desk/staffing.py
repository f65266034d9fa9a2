"""Managers' own affairs: their queue, and leave handed over to a colleague."""

from __future__ import annotations

from dataclasses import dataclass

from desk.commands import Away, Outcome
from desk.context import DeskContext
from desk.notices import Notice, NoticeKind
from desk.people import Leave, Retailer
from desk.tickets import Ticket


@dataclass(frozen=True)
class Waiting:
    """One line of a manager's queue: the ticket and whose it is."""

    ticket: Ticket
    retailer: Retailer | None

    @property
    def id(self) -> int:
        """Return the ticket number."""
        return self.ticket.id


async def queue(ctx: DeskContext, staff_id: str) -> list[Waiting]:
    """Return the open tickets assigned to a manager, oldest first, with their retailers."""
    async with ctx.store.peek() as ledger:
        tickets = await ledger.open_tickets_of(staff_id)
        return [Waiting(t, await ledger.retailer(t.retailer_id)) for t in tickets]


async def go_away(ctx: DeskContext, cmd: Away) -> Outcome:
    """Start a manager's leave with an explicit handover, and tell the supervisor."""
    manager = ctx.team.managers.get(cmd.manager_id)
    colleague = ctx.team.managers.get(cmd.covering_id)
    if manager is None or colleague is None or colleague.id == manager.id:
        return Outcome.BAD_COLLEAGUE
    now = ctx.clock.now()
    if cmd.until <= now:
        return Outcome.BAD_DATE
    async with ctx.store.transaction() as ledger:
        await ledger.start_leave(Leave(manager.id, colleague.id, cmd.until, now))
        for person in (ctx.team.staff(manager.supervisor or ""), colleague):
            if person is None:
                continue
            await ledger.post(
                Notice(
                    to=person.id,
                    address=ctx.reach(person),
                    kind=NoticeKind.HANDOVER,
                    lang=person.lang,
                    params={
                        "manager": manager.name,
                        "covering": colleague.name,
                        "until": cmd.until.isoformat(),
                    },
                )
            )
    return Outcome.DONE


async def come_back(ctx: DeskContext, manager_id: str) -> Outcome:
    """End a manager's leave."""
    async with ctx.store.transaction() as ledger:
        ended = await ledger.end_leave(manager_id, ctx.clock.now())
    return Outcome.DONE if ended else Outcome.NOT_AWAY
