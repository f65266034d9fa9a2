"""Claim due tickets and write each step's notification to the outbox, once."""

from __future__ import annotations

from datetime import datetime

from desk import feedback
from desk.asking import ticket_buttons
from desk.context import DeskContext
from desk.notices import Notice, NoticeKind
from desk.policy import Notify
from desk.ports import Ledger
from desk.sla import with_due
from desk.tickets import Event, EventKind, Ticket
from escalation import complaints
from escalation.ladder import Climb, after_climb, next_climb, target_for


class Escalator:
    """Fire the ladder steps that are due; the database, not memory, says what is due."""

    def __init__(self, ctx: DeskContext, batch: int = 500) -> None:
        self.ctx = ctx
        self.batch = batch

    async def fire_due(self) -> int:
        """Fire every due step, in batches; return how many tickets moved."""
        moved = 0
        while True:
            now = self.ctx.clock.now()
            async with self.ctx.store.transaction() as ledger:
                due = await ledger.due_tickets(now, self.batch)
                for ticket in due:
                    await self._climb(ledger, ticket, now)
            moved += len(due)
            if len(due) < self.batch:
                break
        # Complaint reminders and rating requests ride the same alarm, on their own due times;
        # a read first spares the writer two empty transactions on every ring.
        async with self.ctx.store.peek() as ledger:
            complaint_due = await ledger.earliest_complaint_due()
            rating_due = await ledger.earliest_rating_due()
        now = self.ctx.clock.now()
        if complaint_due is not None and complaint_due <= now:
            while await complaints.remind_due(self.ctx, now, self.batch) == self.batch:
                pass
        if rating_due is not None and rating_due <= now:
            while await feedback.ask_due(self.ctx, now, self.batch) == self.batch:
                pass
        return moved

    async def earliest_due(self) -> datetime | None:
        """Return when the next step, complaint reminder or rating request falls due."""
        # A read: a step made due meanwhile re-arms the alarm from its own commit.
        async with self.ctx.store.peek() as ledger:
            return await ledger.earliest_wakeup()

    async def _present(
        self, ledger: Ledger, target_id: str | None, ticket: Ticket, now: datetime
    ) -> str | None:
        """Return who stands in for the target today: their covering colleague when away."""
        if target_id is None:
            return None
        leave = await ledger.leave_of(target_id, now)
        if leave is None:
            return target_id
        # Covering back to the assigned manager would notify nobody new.
        return None if leave.covering_id == ticket.manager_id != target_id else leave.covering_id

    async def _climb(self, ledger: Ledger, ticket: Ticket, now: datetime) -> None:
        climb = next_climb(ticket, now)
        if climb is None:
            # Stale due time (e.g. the policy changed under it): recompute and move on.
            await ledger.save_ticket(with_due(ticket))
            return
        if climb.eta_broken:
            await ledger.record(
                Event(
                    ticket.id,
                    EventKind.ETA_BROKEN,
                    now,
                    target=ticket.manager_id,
                    round=ticket.round,
                )
            )
        reached = True
        if climb.step is not None and climb.notify is not None:
            reached = await self._notify(ledger, ticket, climb, climb.step, climb.notify, now)
        await ledger.save_ticket(after_climb(ticket, climb, now, reached=reached))

    async def _notify(
        self,
        ledger: Ledger,
        ticket: Ticket,
        climb: Climb,
        step: int,
        notify: Notify,
        now: datetime,
    ) -> bool:
        leave = await ledger.leave_of(ticket.manager_id, now)
        target_id = target_for(
            notify,
            ticket,
            self.ctx.team,
            covering=leave.covering_id if leave else None,
            local_now=self.ctx.local(now),
        )
        target_id = await self._present(ledger, target_id, ticket, now)
        staff = self.ctx.team.staff(target_id) if target_id else None
        detail = {"notify": notify.value, "repeat": climb.repeat}
        if staff is None:
            await ledger.record(
                Event(
                    ticket.id,
                    EventKind.UNREACHABLE,
                    now,
                    step=step,
                    delivered=False,
                    detail=detail,
                )
            )
            return False
        since = ticket.waiting_since or ticket.opened_at
        retailer = await ledger.retailer(ticket.retailer_id)
        waiting = await ledger.waiting_messages(ticket.id, since)
        notified = await ledger.notified(ticket.id, since)
        reminder = notify is Notify.MANAGER
        await ledger.post(
            Notice(
                to=staff.id,
                address=self.ctx.reach(staff),
                kind=NoticeKind.REMINDER if reminder else NoticeKind.ESCALATION,
                lang=staff.lang,
                params={
                    "ticket": ticket.id,
                    "step": step + 1,
                    "retailer": retailer.name if retailer else ticket.retailer_id,
                    "shop": retailer.shop if retailer else "",
                    "manager": self.ctx.team.name_of(ticket.manager_id),
                    "waited": (now - since).total_seconds(),
                    "question": "\n".join(
                        m.content.preview() or f"[{m.content.kind.value}]" for m in waiting
                    ),
                    "notified": [self.ctx.team.name_of(s) for s in notified],
                },
                ticket_id=ticket.id,
                step=step,
                buttons=ticket_buttons(ticket.id) if reminder else (),
            )
        )
        await ledger.record(
            Event(
                ticket.id,
                EventKind.ESCALATED,
                now,
                target=staff.id,
                step=step,
                round=ticket.round,
                detail=detail,
            )
        )
        return True
