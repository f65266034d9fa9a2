"""The console's live figures: what is open, unanswered, at risk and escalated in a scope now."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from desk.policy import Notify, Policy
from reports.scope import Scope
from storage.codec import policy_from_text
from storage.tables import outbox, retailers, tickets

# A ticket is at risk once three quarters of its first-response target have passed.
AT_RISK_SHARE = 0.75
# The ticket list behind a number shows this many; a province's open list would fill a browser.
LIST_LIMIT = 500


class Figure(StrEnum):
    """A number of the live strip, and the list of tickets behind it."""

    OPEN = "open"
    UNANSWERED = "unanswered"
    AT_RISK = "at_risk"
    BACKUP = "backup"
    SUPERVISOR = "supervisor"
    OFF_HOURS = "off_hours"


@dataclass(frozen=True)
class LiveTicket:
    """One open ticket as the console lists it."""

    id: int
    retailer_id: str
    retailer_name: str
    shop: str
    manager_id: str
    opened_at: datetime
    waiting_since: datetime | None
    answered: bool
    off_hours: bool
    # The highest rung the ladder reached (-1: none yet), and whom that rung reaches.
    rung: int
    rung_notify: Notify | None
    at_risk: bool
    # Staff ids told about this ticket so far, in the order they were first told.
    told: tuple[str, ...] = ()

    @property
    def waited_from(self) -> datetime:
        """Return when the retailer's wait began."""
        return self.waiting_since or self.opened_at

    def counts_in(self, figure: Figure) -> bool:
        """Say whether this ticket is behind one number of the strip."""
        unanswered = not self.answered
        return {
            Figure.OPEN: True,
            Figure.UNANSWERED: unanswered,
            Figure.AT_RISK: unanswered and self.at_risk,
            Figure.BACKUP: self.rung_notify in (Notify.BACKUP, Notify.ON_DUTY),
            Figure.SUPERVISOR: self.rung_notify is Notify.SUPERVISOR,
            Figure.OFF_HOURS: unanswered and self.off_hours,
        }[figure]


@dataclass(frozen=True)
class LiveStrip:
    """The live strip's numbers."""

    counts: dict[Figure, int]

    def __getitem__(self, figure: Figure) -> int:
        """Return one number of the strip."""
        return self.counts[figure]


def _escalated_to(policy: Policy, rung: int, waiting: bool) -> Notify | None:
    """Return whom the ticket's current rung reaches, when it is past the manager."""
    if not waiting or rung < 0 or not policy.steps:
        return None
    notify = policy.steps[min(rung, len(policy.steps) - 1)].notify
    return None if notify is Notify.MANAGER else notify


async def open_tickets(
    conn: AsyncConnection, scope: Scope, now: datetime, *, unanswered_only: bool = False
) -> list[LiveTicket]:
    """Return the open tickets in a scope, longest wait first (by ix_tickets_manager_status)."""
    if not scope.manager_ids:
        return []
    query = (
        select(
            tickets.c.id,
            tickets.c.retailer_id,
            tickets.c.manager_id,
            tickets.c.opened_at,
            tickets.c.waiting_since,
            tickets.c.first_response_at,
            tickets.c.off_hours,
            tickets.c.last_step,
            tickets.c.policy,
            retailers.c.name,
            retailers.c.shop,
        )
        .select_from(tickets.outerjoin(retailers, retailers.c.id == tickets.c.retailer_id))
        .where(tickets.c.manager_id.in_(sorted(scope.manager_ids)), tickets.c.status == "open")
    )
    if unanswered_only:
        query = query.where(tickets.c.first_response_at.is_(None))
    found = []
    for row in (await conn.execute(query)).all():
        policy = policy_from_text(row.policy)
        waited_from = row.waiting_since or row.opened_at
        target = policy.first_target
        at_risk = target is not None and (now - waited_from) >= target * AT_RISK_SHARE
        found.append(
            LiveTicket(
                id=row.id,
                retailer_id=row.retailer_id,
                retailer_name=row.name or row.retailer_id,
                shop=row.shop or "",
                manager_id=row.manager_id,
                opened_at=row.opened_at,
                waiting_since=row.waiting_since,
                answered=row.first_response_at is not None,
                off_hours=bool(row.off_hours),
                rung=row.last_step,
                rung_notify=_escalated_to(policy, row.last_step, row.waiting_since is not None),
                at_risk=at_risk,
            )
        )
    found.sort(key=lambda t: (t.waited_from, t.id))
    return found


def strip_of(open_now: Iterable[LiveTicket]) -> LiveStrip:
    """Count the live strip's numbers from the open tickets of a scope."""
    listed = list(open_now)
    return LiveStrip({figure: sum(t.counts_in(figure) for t in listed) for figure in Figure})


async def with_told(conn: AsyncConnection, listed: list[LiveTicket]) -> list[LiveTicket]:
    """Add to each ticket the staff its notifications went to (by ix_outbox_ticket_id)."""
    if not listed:
        return listed
    ids = [t.id for t in listed]
    retailer_ids = {t.retailer_id for t in listed}
    query = (
        select(outbox.c.ticket_id, outbox.c.recipient_id, func.min(outbox.c.id).label("first"))
        .where(outbox.c.ticket_id.in_(ids))
        .group_by(outbox.c.ticket_id, outbox.c.recipient_id)
        .order_by("first")
    )
    told: dict[int, list[str]] = {}
    for row in (await conn.execute(query)).all():
        if row.recipient_id not in retailer_ids:
            told.setdefault(row.ticket_id, []).append(row.recipient_id)
    return [replace(t, told=tuple(told.get(t.id, ()))) for t in listed]
