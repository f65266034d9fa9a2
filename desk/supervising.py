"""A supervisor steers a waiting ticket: nudges its manager, or hands it to another one."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from desk.asking import ticket_buttons, to_manager
from desk.commands import Nudge, Outcome, Reassign
from desk.content import Content
from desk.context import DeskContext
from desk.notices import Notice, NoticeKind
from desk.people import Retailer
from desk.ports import Ledger
from desk.sla import with_due
from desk.tickets import Event, EventKind, Ticket

# A second nudge this soon after the first would only nag: it is refused, and says so.
NUDGE_GAP = timedelta(minutes=5)
# The reason reaches both managers in one chat message; a paragraph is plenty.
MAX_REASON = 300


def may_steer(ctx: DeskContext, staff_id: str, ticket: Ticket) -> bool:
    """Say whether a staff member supervises the ticket's home manager or its assignee."""
    if staff_id not in ctx.team.supervisors:
        return False
    team = {m.id for m in ctx.team.team_of(staff_id)}
    return ticket.home_manager_id in team or ticket.manager_id in team


async def nudge(ctx: DeskContext, cmd: Nudge) -> Outcome:
    """Remind the assignee of a waiting ticket now, without moving the ladder's clock."""
    async with ctx.store.transaction() as ledger:
        ticket = await _steered(ctx, ledger, cmd.staff_id, cmd.ticket_id)
        if isinstance(ticket, Outcome):
            return ticket
        assignee = ctx.team.managers.get(ticket.manager_id)
        retailer = await ledger.retailer(ticket.retailer_id)
        if assignee is None or retailer is None:
            return Outcome.NOT_A_TICKET
        now = ctx.clock.now()
        last = await ledger.last_notice(ticket.id, assignee.id, (NoticeKind.NUDGE,))
        if last is not None and now - last.not_before < NUDGE_GAP:
            return Outcome.NUDGED_RECENTLY
        params = _question(ticket, retailer, await _waiting(ledger, ticket), now)
        await ledger.post(
            Notice(
                to=assignee.id,
                address=ctx.reach(assignee),
                kind=NoticeKind.NUDGE,
                lang=assignee.lang,
                params={**params, "supervisor": ctx.team.name_of(cmd.staff_id)},
                ticket_id=ticket.id,
                buttons=ticket_buttons(ticket.id),
            )
        )
        await ledger.record(
            Event(
                ticket.id,
                EventKind.NUDGED,
                now,
                actor=cmd.staff_id,
                target=assignee.id,
                round=ticket.round,
            )
        )
    return Outcome.DONE


async def reassign(ctx: DeskContext, cmd: Reassign) -> Outcome:
    """Hand a waiting ticket to another manager of the team, and restart its ladder for them."""
    reason = " ".join(cmd.reason.split())
    async with ctx.store.transaction() as ledger:
        ticket = await _steered(ctx, ledger, cmd.staff_id, cmd.ticket_id)
        if isinstance(ticket, Outcome):
            return ticket
        now = ctx.clock.now()
        refused = await _refused(ctx, ledger, cmd, ticket, reason, now)
        if refused is not None:
            return refused
        retailer = await ledger.retailer(ticket.retailer_id)
        if retailer is None:
            return Outcome.NOT_A_TICKET
        waiting = await _waiting(ledger, ticket)
        question = _question(ticket, retailer, waiting, now)
        previous = ticket.manager_id
        given = await ledger.assign(ticket, cmd.manager_id)
        # The rungs start again for the new manager; an old "on it" promise was not theirs.
        restarted = given.evolve(
            reassigned_at=now, last_step=-1, last_fired_at=None, eta_until=None, hurry_at=None
        )
        await ledger.save_ticket(with_due(restarted))
        await ledger.record(
            Event(
                ticket.id,
                EventKind.REASSIGNED,
                now,
                actor=cmd.staff_id,
                target=cmd.manager_id,
                round=ticket.round,
                detail={"from": previous, "reason": reason},
            )
        )
        moved = {
            **question,
            "supervisor": ctx.team.name_of(cmd.staff_id),
            "previous": ctx.team.name_of(previous),
            "manager": ctx.team.name_of(cmd.manager_id),
            "reason": reason,
        }
        await _tell(ctx, ledger, given, retailer, previous, moved)
        await _show_media(ctx, ledger, given, retailer, [c for c in waiting if c.is_media])
    return Outcome.DONE


async def _steered(
    ctx: DeskContext, ledger: Ledger, staff_id: str, ticket_id: int
) -> Ticket | Outcome:
    """Return the waiting ticket a supervisor steers, or why they may not."""
    ticket = await ledger.ticket(ticket_id)
    if ticket is None or not ticket.is_open:
        return Outcome.NOT_A_TICKET
    if not may_steer(ctx, staff_id, ticket):
        return Outcome.NOT_YOURS
    if ticket.waiting_since is None:
        return Outcome.NOTHING_WAITING
    return ticket


async def _refused(
    ctx: DeskContext, ledger: Ledger, cmd: Reassign, ticket: Ticket, reason: str, now: datetime
) -> Outcome | None:
    """Return why a reassignment cannot be made, or None when it can."""
    if cmd.manager_id not in {m.id for m in ctx.team.team_of(cmd.staff_id)}:
        return Outcome.NOT_IN_TEAM
    if cmd.manager_id == ticket.manager_id:
        return Outcome.SAME_MANAGER
    if await ledger.leave_of(cmd.manager_id, now) is not None:
        # Their covering colleague is the one to pick: a ticket for someone away waits unseen.
        return Outcome.MANAGER_AWAY
    if not reason:
        return Outcome.NO_REASON
    if len(reason) > MAX_REASON:
        return Outcome.LONG_REASON
    return None


async def _waiting(ledger: Ledger, ticket: Ticket) -> list[Content]:
    """Return the retailer's messages of the waiting round, oldest first."""
    since = ticket.waiting_since or ticket.opened_at
    return [m.content for m in await ledger.waiting_messages(ticket.id, since)]


def _question(
    ticket: Ticket, retailer: Retailer, waiting: list[Content], now: datetime
) -> dict[str, Any]:
    """Return what a manager is shown of a waiting ticket, as a reminder shows it."""
    since = ticket.waiting_since or ticket.opened_at
    return {
        "ticket": ticket.id,
        "retailer": retailer.name,
        "shop": retailer.shop,
        "waited": (now - since).total_seconds(),
        "question": "\n".join(c.preview() or f"[{c.kind.value}]" for c in waiting),
    }


async def _tell(
    ctx: DeskContext,
    ledger: Ledger,
    ticket: Ticket,
    retailer: Retailer,
    previous: str,
    params: dict[str, Any],
) -> None:
    """Give the new manager the question, tell the previous one why, and the retailer who."""
    manager = ctx.team.managers[ticket.manager_id]
    await ledger.post(
        Notice(
            to=manager.id,
            address=ctx.reach(manager),
            kind=NoticeKind.REASSIGNED,
            lang=manager.lang,
            params=params,
            ticket_id=ticket.id,
            buttons=ticket_buttons(ticket.id),
        )
    )
    before = ctx.team.staff(previous)
    if before is not None and before.contacts:
        away = {k: params[k] for k in ("ticket", "retailer", "shop", "supervisor", "manager")}
        await ledger.post(
            Notice(
                to=before.id,
                address=ctx.reach(before),
                kind=NoticeKind.REASSIGNED_AWAY,
                lang=before.lang,
                params={**away, "reason": params["reason"]},
                ticket_id=ticket.id,
            )
        )
    if retailer.contacts:
        await ledger.post(
            Notice(
                to=retailer.id,
                address=ctx.reach(retailer),
                kind=NoticeKind.MANAGER_CHANGED,
                lang=retailer.lang,
                params={"ticket": ticket.id, "manager": params["manager"]},
                ticket_id=ticket.id,
            )
        )


async def _show_media(
    ctx: DeskContext, ledger: Ledger, ticket: Ticket, retailer: Retailer, media: list[Content]
) -> None:
    """Give the new manager each photo, voice or file of the question, as it first came."""
    # The question's text names them only; answering needs the originals, which are copied
    # as a follow-up of the ticket is, to be replied to like any message of it.
    for content in media:
        for notice in to_manager(ctx, retailer, ticket, content, first=False):
            await ledger.post(notice)
