"""Claim due tickets and write each step's notification to the outbox, once."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from desk import feedback
from desk.asking import ticket_buttons
from desk.complaints import Complaint
from desk.context import DeskContext
from desk.notices import Notice, NoticeKind
from desk.policy import Notify
from desk.ports import Ledger
from desk.ratings import Rating
from desk.sla import with_due
from desk.tickets import Event, EventKind, Ticket
from escalation import complaints
from escalation.ladder import Climb, after_climb, next_climb, target_for

log = logging.getLogger(__name__)

Claim = Callable[[Ledger, datetime, int], Awaitable[list[Any]]]
Handle = Callable[[Ledger, Any, datetime], Awaitable[None]]
Park = Callable[[Ledger, Any, datetime, Exception], Awaitable[None]]


class _UndoneError(Exception):
    """Roll back the one item's transaction whose handling failed."""


def _never(_error: BaseException) -> bool:
    return False


class Escalator:
    """Fire the ladder steps that are due; the database, not memory, says what is due."""

    def __init__(
        self,
        ctx: DeskContext,
        batch: int = 500,
        passing: Callable[[BaseException], bool] = _never,
    ) -> None:
        self.ctx = ctx
        self.batch = batch
        # Trouble that is not an item's fault (the database away) stops the round: the next
        # ring tries again. Anything else is one item's, and that item alone is set aside.
        self.passing = passing
        self.parked = 0

    async def fire_due(self) -> int:
        """Fire every due step, in batches; return how many tickets moved."""
        moved = 0
        while True:
            count = await self._round("ticket", _due_tickets, self._climb, _park_ticket)
            moved += count
            if count < self.batch:
                break
        # Complaint reminders and rating requests ride the same alarm, on their own due times;
        # a read first spares the writer two empty transactions on every ring.
        async with self.ctx.store.peek() as ledger:
            complaint_due = await ledger.earliest_complaint_due()
            rating_due = await ledger.earliest_rating_due()
        now = self.ctx.clock.now()
        if complaint_due is not None and complaint_due <= now:
            while await self._round(
                "complaint", _due_complaints, self._remind, _park_complaint
            ) == (self.batch):
                pass
        if rating_due is not None and rating_due <= now:
            while await self._round("rating", _due_ratings, self._ask, _park_rating) == self.batch:
                pass
        return moved

    async def _round(self, kind: str, claim: Claim, handle: Handle, park: Park) -> int:
        """Handle one batch of due items in one transaction; return how many were due."""
        now = self.ctx.clock.now()
        try:
            async with self.ctx.store.transaction() as ledger:
                due = await claim(ledger, now, self.batch)
                for item in due:
                    await handle(ledger, item, now)
            return len(due)
        except Exception as error:
            if self.passing(error):
                raise
        # One item broke the batch: one at a time now, so that only that one is set aside.
        return await self._one_by_one(kind, claim, handle, park, now)

    async def _one_by_one(
        self, kind: str, claim: Claim, handle: Handle, park: Park, now: datetime
    ) -> int:
        moved = 0
        while moved < self.batch:
            broken: tuple[Any, Exception] | None = None
            try:
                async with self.ctx.store.transaction() as ledger:
                    due = await claim(ledger, now, 1)
                    if not due:
                        return moved
                    try:
                        await handle(ledger, due[0], now)
                    except Exception as error:
                        if self.passing(error):
                            raise
                        broken = (due[0], error)
                        raise _UndoneError from error
            except _UndoneError:
                assert broken is not None
                item, fault = broken
                log.error(
                    "escalation: %s %s set aside: %s",
                    kind,
                    getattr(item, "id", getattr(item, "ticket_id", "?")),
                    type(fault).__name__,
                    exc_info=fault,
                )
                async with self.ctx.store.transaction() as ledger:
                    await park(ledger, item, now, fault)
                self.parked += 1
            moved += 1
        return moved

    async def _remind(self, ledger: Ledger, complaint: Complaint, now: datetime) -> None:
        await complaints.remind(self.ctx, ledger, complaint, now)

    async def _ask(self, ledger: Ledger, rating: Rating, now: datetime) -> None:
        await feedback.ask_one(self.ctx, ledger, rating, now)

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

    async def _taken_from(self, ledger: Ledger, ticket: Ticket, target_id: str) -> bool:
        """Say whether a supervisor took this ticket away from the rung's target."""
        # Only a ticket ever reassigned pays for this read; every other climb goes without it.
        if ticket.reassigned_at is None or target_id == ticket.manager_id:
            return False
        return target_id in await ledger.reassigned_from(ticket.id)

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
        detail: dict[str, object] = {"notify": notify.value, "repeat": climb.repeat}
        if target_id is not None and await self._taken_from(ledger, ticket, target_id):
            # A supervisor took the ticket from them: like a rung nobody fills, it reaches no one
            # and the next rung hurries.
            detail["taken_from"] = target_id
            target_id = None
        staff = self.ctx.team.staff(target_id) if target_id else None
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


async def _due_tickets(ledger: Ledger, now: datetime, limit: int) -> list[Ticket]:
    return await ledger.due_tickets(now, limit)


async def _due_complaints(ledger: Ledger, now: datetime, limit: int) -> list[Complaint]:
    return await ledger.due_complaints(now, limit)


async def _due_ratings(ledger: Ledger, now: datetime, limit: int) -> list[Rating]:
    return await ledger.due_ratings(now, limit)


def _stuck(ticket_id: int, now: datetime, error: Exception, **detail: Any) -> Event:
    """Return the event that shows, in status and metrics, an item the ladder set aside."""
    return Event(ticket_id, EventKind.STUCK, now, detail={**detail, "error": type(error).__name__})


async def _park_ticket(ledger: Ledger, ticket: Ticket, now: datetime, error: Exception) -> None:
    # Off the ladder until it changes (a new question sets a new due time); it stays open.
    await ledger.save_ticket(ticket.evolve(next_due_at=None))
    await ledger.record(_stuck(ticket.id, now, error))


async def _park_rating(ledger: Ledger, rating: Rating, now: datetime, error: Exception) -> None:
    await ledger.save_rating(rating.evolve(due_at=None))
    await ledger.record(_stuck(rating.ticket_id, now, error, rating=True))


async def _park_complaint(
    ledger: Ledger, complaint: Complaint, now: datetime, error: Exception
) -> None:
    # No ticket event: those reach managers' reports, and a complaint must stay unseen there.
    await ledger.save_complaint(complaint.evolve(next_due_at=None))
