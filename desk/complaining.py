"""A retailer complains about their manager to the supervisor, who answers in the chat.

A complaint is a conversation: once the retailer starts one, everything they send joins it
until they leave, or until a quiet period passes. Nothing here ever addresses a manager: every
notice goes to the retailer or to supervisors, and none carries a ticket number, so no ticket
view, reply or report of a manager finds it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from desk import flood
from desk.commands import Answer, AnswerComplaint, Inbound, Outcome
from desk.complaints import Complaint, ComplaintMessage, answerers, overseers, with_due
from desk.content import Content
from desk.context import DeskContext
from desk.notices import Button, Notice, NoticeKind
from desk.people import Address, Retailer
from desk.ports import Ledger
from desk.prompts import Awaited
from desk.turns import first_time, retailer_turn


@dataclass(frozen=True)
class Complain:
    """A retailer writes to the supervisor about their manager."""

    address: Address
    content: Content
    source: Inbound | None = None


@dataclass(frozen=True)
class CloseComplaint:
    """A supervisor closes a complaint."""

    staff_id: str
    complaint_id: int
    source: Inbound | None = None


# Messages closer together than this are one burst (an album, a text cut in parts): one ack.
BURST = timedelta(minutes=1)
BACK_TO_MANAGER = Button("button.back_to_manager", "cpdone")


def close_button(complaint_id: int) -> Button:
    """Return the supervisor's button that closes a complaint."""
    return Button("button.close_complaint", f"cpx:{complaint_id}")


async def complain(ctx: DeskContext, cmd: Complain) -> Outcome:
    """Take the message into the retailer's open complaint and tell only the supervisors."""
    async with ctx.store.transaction() as ledger:
        retailer = await retailer_turn(ledger, cmd.source, cmd.address)
        if isinstance(retailer, Outcome):
            return retailer
        return await take_complaint(ctx, ledger, retailer, cmd.content)


async def take_complaint(
    ctx: DeskContext, ledger: Ledger, retailer: Retailer, content: Content
) -> Outcome:
    """Add a message to the retailer's complaint and keep them in the confidential conversation."""
    if not overseers(ctx.team, retailer.manager_id):
        return Outcome.NO_SUPERVISOR
    now = ctx.clock.now()
    complaint = await ledger.open_complaint_of(retailer.id) or await _open(
        ctx, ledger, retailer, now
    )
    if complaint.waiting_since is None:
        complaint = complaint.evolve(waiting_since=now)
    burst = await ledger.complaint_messages(complaint.id, now - BURST)
    await ledger.add_complaint_message(
        ComplaintMessage(complaint.id, retailer.id, True, content, now)
    )
    until = await stay_confidential(ctx, ledger, retailer)
    supervisors = answerers(ctx.team, complaint)
    if not burst:
        await ledger.post(
            Notice(
                to=retailer.id,
                address=ctx.reach(retailer),
                kind=NoticeKind.COMPLAINT_ACK,
                lang=retailer.lang,
                params={
                    "complaint": complaint.id,
                    "supervisor": "、".join(s.name for s in supervisors),
                    "until": until.isoformat(),
                },
                buttons=(BACK_TO_MANAGER,),
            )
        )
    for supervisor in supervisors:
        # A long text reaches the supervisor whole, in parts, like a long question would.
        for part in flood.pieces(content):
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
                        "text": part.text,
                        "content": part.kind.value,
                    },
                    copy_of=part.copy_of,
                    buttons=(close_button(complaint.id),) if part.first else (),
                )
            )
    await ledger.save_complaint(with_due(complaint))
    return Outcome.DONE


async def stay_confidential(ctx: DeskContext, ledger: Ledger, retailer: Retailer) -> datetime:
    """Keep the retailer's messages with the supervisor until a quiet period passes; say until."""
    until = ctx.clock.now() + ctx.complaints.quiet_period
    await ledger.expect(retailer.id, Awaited.COMPLAINT.value, until)
    return until


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
        return await _relay(ctx, ledger, complaint_id, cmd.staff_id, cmd.content)


# "#C12 the answer": how a supervisor names a complaint where the channel has no replies.
NUMBERED = re.compile(r"\s*[#＃][Cc](\d{1,11})[\s:：]+(\S.*)", re.DOTALL)


async def answer_complaint_by_number(ctx: DeskContext, cmd: AnswerComplaint) -> Outcome:
    """Relay a supervisor's answer to a complaint named by its number (channels without replies)."""
    async with ctx.store.transaction() as ledger:
        if not await first_time(ledger, cmd.source):
            return Outcome.REPEATED
        return await _relay(ctx, ledger, cmd.complaint_id, cmd.staff_id, cmd.content)


def complaint_numbered(content: Content) -> tuple[int, Content] | None:
    """Split "#C12 the answer" into the complaint's number and the answer; None for other text."""
    match = NUMBERED.fullmatch(content.text)
    if match is None:
        return None
    return int(match[1]), replace(content, text=match[2])


async def _relay(
    ctx: DeskContext, ledger: Ledger, complaint_id: int, staff_id: str, content: Content
) -> Outcome:
    """Tell the retailer the supervisor's answer and stop the complaint's clock."""
    complaint = await ledger.complaint(complaint_id)
    retailer = await ledger.retailer(complaint.retailer_id) if complaint else None
    if complaint is None or retailer is None:
        return Outcome.NOT_A_TICKET
    # Only supervisors ever hold complaint messages; this keeps it so if one is forwarded.
    if staff_id not in ctx.team.supervisors:
        return Outcome.NOT_YOURS
    if not retailer.contacts:
        return Outcome.NO_CHAT
    now = ctx.clock.now()
    await ledger.add_complaint_message(
        ComplaintMessage(complaint.id, staff_id, False, content, now)
    )
    params: dict[str, object] = {
        "complaint": complaint.id,
        "staff": ctx.team.name_of(staff_id),
        "text": content.text,
    }
    # The retailer's answer to the supervisor stays confidential, reply or not; a choice
    # they owe or a prompt they asked for is left as it is.
    if retailer.awaiting in {None, Awaited.COMPLAINT}:
        params["until"] = (await stay_confidential(ctx, ledger, retailer)).isoformat()
        params["variant"] = "open"
    await ledger.post(
        Notice(
            to=retailer.id,
            address=ctx.reach(retailer),
            kind=NoticeKind.COMPLAINT_REPLY,
            lang=retailer.lang,
            params=params,
            copy_of=content if content.is_media else None,
            buttons=(BACK_TO_MANAGER,) if "until" in params else (),
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
        if retailer is not None and retailer.awaiting == Awaited.COMPLAINT:
            await ledger.expect(retailer.id, None, None)
        if retailer is not None and retailer.contacts:
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
