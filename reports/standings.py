"""Managers this week, for the console: the chat summary's figures beside last week's.

The figures come from reports.metrics, the same computation as the weekly summary, so the
console and the chat never disagree. A finished week reads the same whenever it is asked for,
so last week's figures can be kept in a FinishedWeeks between page loads.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from desk.people import Team
from desk.tickets import TicketStatus
from reports.figures import (
    USUAL_STANDARDS,
    ManagerWeek,
    Standards,
    WeeklySummary,
    change,
)
from reports.metrics import managers_week
from reports.scope import Scope
from reports.weeks import IsoWeek
from storage.tables import tickets


@dataclass(frozen=True)
class ManagerStanding:
    """One manager's row: open tickets now, this week's figures and last week's."""

    manager_id: str
    name: str
    open_now: int
    # The weekly summary's own figures: first response in and out of hours (business,
    # off_hours), within_target, escalated, eta_broken, rating_average, low_ratings, ...
    week: ManagerWeek
    last_week: ManagerWeek

    @property
    def business_median_change(self) -> float | None:
        """Return how far the working-hours first-response median moved, in seconds."""
        return change(self.week.business.median, self.last_week.business.median)

    @property
    def off_hours_median_change(self) -> float | None:
        """Return how far the off-hours first-response median moved, in seconds."""
        return change(self.week.off_hours.median, self.last_week.off_hours.median)

    @property
    def within_target_change(self) -> float | None:
        """Return how far the share answered within the target moved."""
        return change(self.week.within_target, self.last_week.within_target)

    @property
    def escalations_change(self) -> int:
        """Return how many more escalation steps fired than last week."""
        return self.week.escalated - self.last_week.escalated

    @property
    def eta_broken_change(self) -> int:
        """Return how many more "on it" promises were broken than last week."""
        return self.week.eta_broken - self.last_week.eta_broken

    @property
    def rating_average_change(self) -> float | None:
        """Return how far the average rating moved."""
        return change(self.week.rating_average, self.last_week.rating_average)

    @property
    def low_ratings_change(self) -> int:
        """Return how many more low ratings came than last week."""
        return self.week.low_ratings - self.last_week.low_ratings


@dataclass(frozen=True)
class Standings:
    """Every manager in scope this week, in the team's order, as of a moment."""

    week: IsoWeek
    as_of: datetime
    # The first-response target most questions were opened under, in seconds.
    target_seconds: float | None
    managers: tuple[ManagerStanding, ...]


class FinishedWeeks:
    """Keep the figures of finished weeks, which never change, for the next page load."""

    def __init__(self, size: int = 256) -> None:
        self._size = size
        self._kept: OrderedDict[tuple[object, ...], WeeklySummary] = OrderedDict()

    def get(self, key: tuple[object, ...]) -> WeeklySummary | None:
        """Return the figures kept under key, if any."""
        found = self._kept.get(key)
        if found is not None:
            self._kept.move_to_end(key)
        return found

    def keep(self, key: tuple[object, ...], summary: WeeklySummary) -> None:
        """Keep a finished week's figures, forgetting the least recently used past size."""
        self._kept[key] = summary
        self._kept.move_to_end(key)
        while len(self._kept) > self._size:
            self._kept.popitem(last=False)


async def managers_this_week(
    conn: AsyncConnection,
    team: Team,
    scope: Scope,
    now: datetime,
    tz: ZoneInfo,
    *,
    standards: Standards = USUAL_STANDARDS,
    finished: FinishedWeeks | None = None,
) -> Standings:
    """Return each manager in scope: open tickets now, this week so far, and last week."""
    ids = _in_team_order(team, scope.manager_ids)
    week = IsoWeek.containing(now, tz)
    current = await managers_week(conn, team, week, tz, ids, standards=standards)
    before = await _finished_week(conn, team, week.previous(), tz, ids, standards, finished)
    opened = await open_tickets(conn, ids)
    previous = {m.manager_id: m for m in before.managers}
    return Standings(
        week=week,
        as_of=now,
        target_seconds=current.target_seconds,
        managers=tuple(
            ManagerStanding(
                manager_id=m.manager_id,
                name=m.name,
                open_now=opened.get(m.manager_id, 0),
                week=m,
                last_week=previous[m.manager_id],
            )
            for m in current.managers
        ),
    )


async def open_tickets(conn: AsyncConnection, manager_ids: Iterable[str]) -> dict[str, int]:
    """Count each manager's open tickets now (ix_tickets_manager_status alone answers it)."""
    rows = await conn.execute(
        select(tickets.c.manager_id, func.count())
        .where(tickets.c.manager_id.in_(list(manager_ids)))
        .where(tickets.c.status == TicketStatus.OPEN.value)
        .group_by(tickets.c.manager_id)
    )
    return {manager_id: int(count) for manager_id, count in rows}


async def _finished_week(
    conn: AsyncConnection,
    team: Team,
    week: IsoWeek,
    tz: ZoneInfo,
    ids: list[str],
    standards: Standards,
    finished: FinishedWeeks | None,
) -> WeeklySummary:
    key = (week, tz.key, tuple(ids), standards)
    kept = finished.get(key) if finished is not None else None
    if kept is not None:
        return kept
    summary = await managers_week(conn, team, week, tz, ids, standards=standards)
    if finished is not None:
        finished.keep(key, summary)
    return summary


def _in_team_order(team: Team, manager_ids: frozenset[str]) -> list[str]:
    # The config's order, as the weekly summary lists them; anyone no longer configured last.
    known = [m for m in team.managers if m in manager_ids]
    return known + sorted(manager_ids - set(known))
