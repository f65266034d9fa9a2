"""The week's questions counted from the tickets table: received, targets, undecided ones.

Every figure describes the questions opened in the week (on the assigned manager's tickets),
as they stood at the week's end.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Subquery,
    and_,
    case,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from desk.tickets import EventKind
from reports.figures import Latency
from storage.tables import events, tickets

# Up to this many managers, a week is read through their (manager_id, opened_at) index.
_FEW_MANAGERS = 100


@dataclass(frozen=True)
class Policy:
    """A stored escalation policy, as much of it as the figures need."""

    tickets: int
    target: float | None
    steps: int


@dataclass(frozen=True)
class WeekTickets:
    """Which tickets a week's figures read: opened in [start, end), within the scope."""

    start: datetime
    end: datetime
    scope: tuple[str, ...] | None
    first_id: int = 0
    last_id: int = 0

    def conditions(self, *, in_id_order: bool = False) -> list[ColumnElement[bool]]:
        """Return the WHERE conditions that pick the week's tickets."""
        opened_at: ColumnElement[Any] = tickets.c.opened_at
        found: list[ColumnElement[bool]] = []
        # A few managers' tickets are a sliver of the week: (manager_id, opened_at) finds them
        # without walking the whole week's id range (a supervisor's 20 of 500 managers in a
        # 1M-message week: 15 ms, where the id range took 150).
        if in_id_order and not self.few_managers:
            # Read the week in id order through the id range: the events index is in ticket
            # order, so the join walks it front to back. coalesce() keeps the opened_at index,
            # which would visit tickets in time order and make the join jump about, out of it.
            opened_at = func.coalesce(tickets.c.opened_at, tickets.c.opened_at)
            found.append(tickets.c.id.between(self.first_id, self.last_id))
        found += [opened_at >= self.start, opened_at < self.end]
        if self.scope is not None:
            found.append(tickets.c.manager_id.in_(self.scope))
        return found

    @property
    def few_managers(self) -> bool:
        """Tell whether the scope names so few managers that their index beats the id range."""
        return self.scope is not None and len(self.scope) <= _FEW_MANAGERS

    def tickets(self) -> Subquery:
        """Return the week's tickets as a subquery, read in id order."""
        columns = (tickets.c.id, tickets.c.manager_id, tickets.c.off_hours, tickets.c.policy)
        return select(*columns).where(*self.conditions(in_id_order=True)).subquery("week_tickets")


@dataclass
class Tally:
    """Counts gathered for one manager before they become figures."""

    received: Counter[bool] = field(default_factory=Counter)
    with_target: int = 0
    undecided: int = 0
    answered: int = 0
    met_target: int = 0
    escalations: Counter[int] = field(default_factory=Counter)
    events: Counter[str] = field(default_factory=Counter)
    answered_by_others: int = 0

    def add(self, other: Tally) -> None:
        """Add another manager's counts, to make the team's."""
        self.received.update(other.received)
        self.with_target += other.with_target
        self.undecided += other.undecided
        self.answered += other.answered
        self.met_target += other.met_target
        self.escalations.update(other.escalations)
        self.events.update(other.events)
        self.answered_by_others += other.answered_by_others

    def figures(self, steps: int, latencies: Mapping[str, Latency | None]) -> dict[str, Any]:
        """Return the counts and the ranked latencies as WeekFigures fields."""
        none = Latency()
        return {
            "received": self.received[False] + self.received[True],
            "answered": self.answered,
            "first_response": latencies["all"] or none,
            "met_target": self.met_target,
            "target_due": self.with_target - self.undecided,
            "next_reply": latencies["next"] or none,
            "business_received": self.received[False],
            "business": latencies["business"] or none,
            "off_hours_received": self.received[True],
            "off_hours": latencies["off_hours"] or none,
            "escalations": tuple(self.escalations[step] for step in range(steps)),
            "answered_by_others": self.answered_by_others,
            "on_it": self.events[EventKind.ON_IT],
            "eta_broken": self.events[EventKind.ETA_BROKEN],
            "unreachable": self.events[EventKind.UNREACHABLE],
        }


async def find_week(
    conn: AsyncConnection, start: datetime, end: datetime, scope: tuple[str, ...] | None
) -> WeekTickets | None:
    """Return the week's tickets with their id range, None when none were opened."""
    week = WeekTickets(start, end, scope)
    span = await conn.execute(
        select(func.min(tickets.c.id), func.max(tickets.c.id)).where(*week.conditions())
    )
    first_id, last_id = span.one()
    if first_id is None:
        return None
    return WeekTickets(start, end, scope, int(first_id), int(last_id))


@dataclass(frozen=True)
class Opened:
    """Questions one manager received in the week under one policy, in or out of hours."""

    off_hours: bool
    manager_id: str
    policy: str
    count: int


async def count_opened(
    conn: AsyncConnection, week: WeekTickets, tallies: dict[str, Tally]
) -> list[Opened]:
    """Count questions per manager and hours, and find the policies they were opened under."""
    # Off hours first in the grouping, or SQLite walks the manager index to spare a sort.
    grouping = (tickets.c.off_hours, tickets.c.manager_id)
    conditions = week.conditions(in_id_order=True)
    # The policies first: a week holds one or a few, and a policy carried through the
    # grouping's sort made it about half again as slow (measured at 1M messages).
    # A few managers' tickets are looked up row by row from their index: one pass that
    # carries the policy costs less than two passes.
    policies = (
        []
        if week.few_managers
        else (await conn.execute(select(tickets.c.policy).where(*conditions).distinct())).all()
    )
    if len(policies) == 1:
        (policy,) = policies[0]
        found = [
            Opened(bool(off), manager, policy, int(count))
            for off, manager, count in await conn.execute(
                select(*grouping, func.count()).where(*conditions).group_by(*grouping)
            )
        ]
    else:
        # A week that spans a change of the escalation config (or a few managers' week, whose
        # policies are not known yet): count each policy apart.
        found = [
            Opened(bool(off), manager, policy, int(count))
            for off, manager, policy, count in await conn.execute(
                select(*grouping, tickets.c.policy, func.count())
                .where(*conditions)
                .group_by(*grouping, tickets.c.policy)
            )
        ]
    targets = {text: _first_target(text)[0] for text in {o.policy for o in found}}
    for opened in found:
        tallies[opened.manager_id].received[opened.off_hours] += opened.count
        if targets[opened.policy] is not None:
            tallies[opened.manager_id].with_target += opened.count
    return found


def policies_of(found: Iterable[Opened]) -> dict[str, Policy]:
    """Return the policies some questions were opened under, with how many each."""
    per_policy: Counter[str] = Counter()
    for opened in found:
        per_policy[opened.policy] += opened.count
    return {text: Policy(count, *_first_target(text)) for text, count in per_policy.items()}


def _first_target(policy: str) -> tuple[float | None, int]:
    """Return a stored policy's first-step target in seconds, and its number of steps."""
    try:
        ladder = json.loads(policy).get("steps") or []
        return (float(ladder[0]["after"]) if ladder else None), len(ladder)
    except (ValueError, TypeError, KeyError, AttributeError, IndexError):
        return None, 0


def usual_target(policies: Mapping[str, Policy]) -> float | None:
    """Return the first-step target most of the week's questions were opened under."""
    by_target: Counter[float] = Counter()
    for policy in policies.values():
        if policy.target is not None:
            by_target[policy.target] += policy.tickets
    return by_target.most_common(1)[0][0] if by_target else None


def met(
    seconds: ColumnElement[Any], policy: ColumnElement[str], targets: Mapping[str, float]
) -> ColumnElement[int]:
    """Return SQL 1 where an answer came within its ticket's first-step target, else 0."""
    if not targets:
        return literal(0)
    # Targets are numbers we parsed ourselves, so they are safe to write into the SQL.
    whens: dict[Any, ColumnElement[Any]] = {
        text: literal_column(repr(float(target))) for text, target in targets.items()
    }
    target = case(whens, value=policy, else_=null())
    return case((seconds <= target, 1), else_=0)


def hidden_kind(history: FromClause) -> ColumnElement[str]:
    """Return an event's kind in a form no index can serve."""
    # Without statistics SQLite prefers ix_events_kind_at to the ticket_id index and walks every
    # event of a kind in all history; hiding kind keeps it on the week's tickets. PostgreSQL
    # plans by statistics and loses nothing.
    kind: ColumnElement[str] = history.c.kind.concat("")
    return kind


async def count_undecided(
    conn: AsyncConnection,
    week: WeekTickets,
    targets: Mapping[str, float],
    tallies: dict[str, Tally],
) -> None:
    """Count questions whose target fell after the week's end and was not already met."""
    if not targets:
        return
    end = week.end
    late = or_(
        *(
            and_(tickets.c.policy == text, tickets.c.opened_at > end - timedelta(seconds=seconds))
            for text, seconds in targets.items()
        )
    )
    # The plain range too, so the planner reads only that corner of the opened_at index.
    latest = tickets.c.opened_at > end - timedelta(seconds=max(targets.values()))
    first = events.alias("first_answer")
    answered = and_(
        first.c.ticket_id == tickets.c.id,
        hidden_kind(first) == EventKind.ANSWERED.value,
        first.c.round == 0,
        first.c.at < end,
    )
    # Only the week's last minutes come back, a handful of rows; grouping them in SQL tempts
    # SQLite into walking the whole manager index to save itself a sort.
    rows = await conn.execute(
        select(tickets.c.manager_id, met(first.c.seconds, tickets.c.policy, targets))
        .select_from(tickets.outerjoin(first, answered))
        .where(*week.conditions(), latest, late)
    )
    for manager_id, in_time in rows:
        tallies[manager_id].undecided += 1 - int(in_time)
