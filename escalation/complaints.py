"""Remind supervisors of complaints left waiting; managers are never on this ladder."""

from __future__ import annotations

from datetime import datetime

from desk.complaining import close_button
from desk.complaints import Complaint, answerers, due_step, with_due
from desk.context import DeskContext
from desk.notices import Notice, NoticeKind
from desk.ports import Ledger


async def remind_due(ctx: DeskContext, now: datetime, limit: int = 500) -> int:
    """Fire every complaint reminder that is due; return how many complaints moved."""
    async with ctx.store.transaction() as ledger:
        due = await ledger.due_complaints(now, limit)
        for complaint in due:
            await remind(ctx, ledger, complaint, now)
    return len(due)


async def remind(ctx: DeskContext, ledger: Ledger, complaint: Complaint, now: datetime) -> None:
    """Send one due complaint's reminder to its supervisors and set its next due time."""
    step = due_step(complaint, now)
    if step is None:
        # Stale due time: recompute and move on.
        await ledger.save_complaint(with_due(complaint))
        return
    upcoming = min(complaint.last_step + 1, len(complaint.policy.steps) - 1)
    since = complaint.waiting_since or complaint.opened_at
    retailer = await ledger.retailer(complaint.retailer_id)
    waiting = await ledger.complaint_messages(complaint.id, since)
    for supervisor in answerers(ctx.team, complaint, everyone=step.everyone):
        await ledger.post(
            Notice(
                to=supervisor.id,
                address=ctx.reach(supervisor),
                kind=NoticeKind.COMPLAINT_NUDGE,
                lang=supervisor.lang,
                params={
                    "complaint": complaint.id,
                    "step": upcoming + 1,
                    "retailer": retailer.name if retailer else complaint.retailer_id,
                    "shop": retailer.shop if retailer else "",
                    "manager": ctx.team.name_of(complaint.manager_id),
                    "waited": (now - since).total_seconds(),
                    "question": "\n".join(
                        m.content.preview() or f"[{m.content.kind.value}]" for m in waiting
                    ),
                },
                buttons=(close_button(complaint.id),),
            )
        )
    await ledger.save_complaint(with_due(complaint.evolve(last_step=upcoming, last_fired_at=now)))
