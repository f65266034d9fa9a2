"""The console's live figures: what is open, unanswered, at risk and escalated in a scope now."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, case, false, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncConnection

from desk.policy import Notify, Policy
from reports.scope import Scope
from storage.codec import policy_from_text
from storage.tables import outbox, retailers, tickets

# A ticket is at risk once three quarters of its first-response target have passed.
AT_RISK_SHARE = 0.75


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


# When the retailer's wait began: waiting_since while the clock runs, else the question's time.
_waited_from = func.coalesce(tickets.c.waiting_since, tickets.c.opened_at)
_unanswered = tickets.c.first_response_at.is_(None)
# Whom the rungs past the manager reach, by the strip's numbers.
_RUNG_FIGURES = {
    Figure.BACKUP: frozenset({Notify.BACKUP, Notify.ON_DUTY}),
    Figure.SUPERVISOR: frozenset({Notify.SUPERVISOR}),
}
_BY_POLICY = frozenset({Figure.AT_RISK, *_RUNG_FIGURES})


def _open_in(scope: Scope, manager_id: str | None = None) -> list[ColumnElement[bool]]:
    """Return the conditions that pick a scope's open tickets, maybe of one manager only."""
    managers = sorted(scope.manager_ids)
    if manager_id is not None:
        managers = [m for m in managers if m == manager_id]
    return [tickets.c.manager_id.in_(managers), tickets.c.status == "open"]


def _at_risk(policies: Iterable[str], now: datetime) -> ColumnElement[bool]:
    """Return SQL true for an unanswered ticket past three quarters of its first target."""
    late = [
        and_(tickets.c.policy == text, _waited_from <= now - target * AT_RISK_SHARE)
        for text in sorted(set(policies))
        if (target := policy_from_text(text).first_target) is not None
    ]
    return and_(_unanswered, or_(*late)) if late else false()


def _rung_reaches(policies: Iterable[str], notified: frozenset[Notify]) -> ColumnElement[bool]:
    """Return SQL true for a waiting ticket whose current rung reaches one of notified."""
    reached = []
    for text in sorted(set(policies)):
        steps = policy_from_text(text).steps
        rungs = [i for i, step in enumerate(steps) if step.notify in notified]
        if not rungs:
            continue
        # Past its last rung a ticket stays on it (the ladder repeats the last step).
        last = len(steps) - 1
        rung: ColumnElement[bool] = tickets.c.last_step.in_(rungs)
        if last in rungs:
            rung = or_(rung, tickets.c.last_step > last)
        reached.append(and_(tickets.c.policy == text, rung))
    return and_(tickets.c.waiting_since.is_not(None), or_(*reached)) if reached else false()


def _counted_in(figure: Figure, policies: Iterable[str], now: datetime) -> ColumnElement[bool]:
    """Return SQL true for the open tickets behind one number of the strip."""
    if figure is Figure.UNANSWERED:
        return _unanswered
    if figure is Figure.AT_RISK:
        return _at_risk(policies, now)
    if figure is Figure.OFF_HOURS:
        return and_(_unanswered, tickets.c.off_hours.is_(True))
    if figure in _RUNG_FIGURES:
        return _rung_reaches(policies, _RUNG_FIGURES[figure])
    return true()


async def live_strip(conn: AsyncConnection, scope: Scope, now: datetime) -> LiveStrip:
    """Count the live strip's numbers in SQL, as its lists pick them (ix_tickets_manager_status)."""
    if not scope.manager_ids:
        return LiveStrip(dict.fromkeys(Figure, 0))
    policies = await _open_policies(conn, _open_in(scope))
    counted = [func.count(case((_counted_in(f, policies, now), 1))) for f in Figure]
    found = (await conn.execute(select(*counted).where(*_open_in(scope)))).one()
    return LiveStrip({f: int(n) for f, n in zip(Figure, found, strict=True)})


async def _open_policies(conn: AsyncConnection, picked: list[ColumnElement[bool]]) -> list[str]:
    """Return the ladders the picked tickets climb: a scope's open tickets hold one or a few."""
    found = await conn.execute(select(tickets.c.policy).where(*picked).distinct())
    return list(found.scalars())


async def open_tickets(
    conn: AsyncConnection,
    scope: Scope,
    now: datetime,
    *,
    figure: Figure = Figure.OPEN,
    manager_id: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[LiveTicket]:
    """Return a scope's open tickets behind one number, longest wait first, limit from offset."""
    if not scope.manager_ids:
        return []
    picked = _open_in(scope, manager_id)
    # Those numbers depend on each ticket's policy.
    policies = await _open_policies(conn, picked) if figure in _BY_POLICY else []
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
        .where(*picked, _counted_in(figure, policies, now))
        .order_by(_waited_from, tickets.c.id)
        .limit(limit)
        .offset(offset)
    )
    found_tickets = []
    for row in (await conn.execute(query)).all():
        policy = policy_from_text(row.policy)
        waited_from = row.waiting_since or row.opened_at
        target = policy.first_target
        at_risk = target is not None and (now - waited_from) >= target * AT_RISK_SHARE
        found_tickets.append(
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
    return found_tickets


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
