"""A retailer complains about their manager to the supervisor, who answers in the chat.

Nothing here ever addresses a manager: every notice goes to the retailer or to supervisors,
and none carries a ticket number, so no ticket view, reply or report of a manager finds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from desk.commands import Answer, Inbound, Outcome
from desk.complaints import Complaint, ComplaintMessage, answerers, overseers, with_due
from desk.content import Content
from desk.context import DeskContext
from desk.notices import Button, Notice, NoticeKind
from desk.people import Address, Retailer
from desk.ports import Ledger
from desk.turns import first_time


@dataclass(frozen=True)
class Complain:
    """A retailer writes to the supervisor about their manager."""

    address: Address
    content: Content
    source: Inbound | None = None
    # Set when the message replies to a bot message: it continues a complaint only if that
    # message belonged to one, and is an ordinary question otherwise.
    reply_to: int | None = None


@dataclass(frozen=True)
class CloseComplaint:
    """A supervisor closes a complaint."""

    staff_id: str
    complaint_id: int
    source: Inbound | None = None


def close_button(complaint_id: int) -> Button:
    """Return the supervisor's button that closes a complaint."""
    return Button("button.close_complaint", f"cpx:{complaint_id}")


async def complain(ctx: DeskContext, cmd: Complain) -> Outcome:
    """Take the message into the retailer's open complaint and tell only the supervisors."""
    async with ctx.store.transaction() as ledger:
        # A reply is checked before settling, so the update can still be asked as a question.
        thread = cmd.reply_to is None or await ledger.complaint_of_message(
            cmd.address, cmd.reply_to
        )
        if not thread:
            return Outcome.NOT_A_TICKET
        if not await first_time(ledger, cmd.source):
            return Outcome.REPEATED
        retailer = await ledger.retailer_at(cmd.address)
        if retailer is None:
            return Outcome.UNKNOWN_SENDER
        if not overseers(ctx.team, retailer.manager_id):
            return Outcome.NO_SUPERVISOR
        now = ctx.clock.now()
        complaint = await ledger.open_complaint_of(retailer.id) or await _open(
            ctx, ledger, retailer, now
        )
        if complaint.waiting_since is None:
            complaint = complaint.evolve(waiting_since=now)
        await ledger.add_complaint_message(
            ComplaintMessage(complaint.id, retailer.id, True, cmd.content, now)
        )
        if retailer.awaiting is not None:
            await ledger.expect(retailer.id, None, None)
        supervisors = answerers(ctx.team, complaint)
        await ledger.post(
            Notice(
                to=retailer.id,
                address=ctx.reach(retailer),
                kind=NoticeKind.COMPLAINT_ACK,
                lang=retailer.lang,
                params={
                    "complaint": complaint.id,
                    "supervisor": "、".join(s.name for s in supervisors),
                },
            )
        )
        for supervisor in supervisors:
            await ledger.post(
                Notice(
                    to=supervisor.id,
                    address=ctx.reach(supervisor),
                    kind=NoticeKind.COMPLAINT,
                    lang=supervisor.lang,
                    params={
                        "complaint": complaint.id,
                        "retailer": retailer.name,
                        "shop": retailer.shop,
                        "manager": ctx.team.name_of(complaint.manager_id),
                        "text": cmd.content.text,
                        "content": cmd.content.kind.value,
                    },
                    copy_of=cmd.content if cmd.content.is_media else None,
                    buttons=(close_button(complaint.id),),
                )
            )
        await ledger.save_complaint(with_due(complaint))
    return Outcome.DONE


async def _open(ctx: DeskContext, ledger: Ledger, retailer: Retailer, now: datetime) -> Complaint:
    manager = ctx.team.managers.get(retailer.manager_id)
    draft = Complaint(
        id=0,
        retailer_id=retailer.id,
        manager_id=retailer.manager_id,
        supervisor_id=manager.supervisor if manager else None,
        opened_at=now,
        policy=ctx.complaints,
    )
    return await ledger.create_complaint(draft)


async def answer_complaint(ctx: DeskContext, cmd: Answer) -> Outcome:
    """Relay a supervisor's reply to a complaint message; NOT_A_TICKET for any other reply."""
    async with ctx.store.transaction() as ledger:
        # Looked up before settling, so a reply to a ticket message is left to the ticket.
        complaint_id = await ledger.complaint_of_message(cmd.address, cmd.reply_to)
        if complaint_id is None:
            return Outcome.NOT_A_TICKET
        if not await first_time(ledger, cmd.source):
            return Outcome.REPEATED
        complaint = await ledger.complaint(complaint_id)
        retailer = await ledger.retailer(complaint.retailer_id) if complaint else None
        if complaint is None or retailer is None:
            return Outcome.NOT_A_TICKET
        # Only supervisors ever hold complaint messages; this keeps it so if one is forwarded.
        if cmd.staff_id not in ctx.team.supervisors:
            return Outcome.NOT_YOURS
        if retailer.telegram_id is None:
            return Outcome.NO_CHAT
        now = ctx.clock.now()
        await ledger.add_complaint_message(
            ComplaintMessage(complaint.id, cmd.staff_id, False, cmd.content, now)
        )
        await ledger.post(
            Notice(
                to=retailer.id,
                address=ctx.reach(retailer),
                kind=NoticeKind.COMPLAINT_REPLY,
                lang=retailer.lang,
                params={
                    "complaint": complaint.id,
                    "staff": ctx.team.name_of(cmd.staff_id),
                    "text": cmd.content.text,
                },
                copy_of=cmd.content if cmd.content.is_media else None,
            )
        )
        if complaint.waiting_since is not None:
            complaint = complaint.evolve(
                waiting_since=None,
                last_step=-1,
                last_fired_at=None,
                first_response_at=complaint.first_response_at or now,
            )
            await ledger.save_complaint(with_due(complaint))
    return Outcome.DONE


async def close_complaint(ctx: DeskContext, cmd: CloseComplaint) -> Outcome:
    """Close a complaint and tell the retailer; only a supervisor may."""
    if cmd.staff_id not in ctx.team.supervisors:
        return Outcome.NOT_YOURS
    async with ctx.store.transaction() as ledger:
        if not await first_time(ledger, cmd.source):
            return Outcome.REPEATED
        complaint = await ledger.complaint(cmd.complaint_id)
        if complaint is None:
            return Outcome.NOT_A_TICKET
        if not complaint.is_open:
            return Outcome.CLOSED
        now = ctx.clock.now()
        await ledger.save_complaint(
            with_due(complaint.evolve(closed_at=now, waiting_since=None, last_step=-1))
        )
        retailer = await ledger.retailer(complaint.retailer_id)
        if retailer is not None and retailer.telegram_id is not None:
            await ledger.post(
                Notice(
                    to=retailer.id,
                    address=ctx.reach(retailer),
                    kind=NoticeKind.COMPLAINT_END,
                    lang=retailer.lang,
                    params={"complaint": complaint.id, "staff": ctx.team.name_of(cmd.staff_id)},
                )
            )
    return Outcome.DONE
