"""Confidential complaints about a manager: the complaint, its ladder and its own clock.

A complaint goes to the manager's supervisor and never to any manager. It keeps its own
clock, apart from tickets, so nothing a manager can see (queue, stats, escalations) counts it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from desk.content import Content
from desk.people import Supervisor, Team


@dataclass(frozen=True)
class ComplaintStep:
    """One reminder to the supervisor; `everyone` widens it to every supervisor."""

    after: timedelta
    everyone: bool = False


def _default_steps() -> tuple[ComplaintStep, ...]:
    return (
        ComplaintStep(timedelta(hours=2)),
        ComplaintStep(timedelta(hours=8)),
        ComplaintStep(timedelta(hours=24), everyone=True),
    )


@dataclass(frozen=True)
class ComplaintPolicy:
    """When a waiting complaint reminds the supervisors, and how long its conversation lasts."""

    steps: tuple[ComplaintStep, ...] = field(default_factory=_default_steps)
    repeat_last_every: timedelta | None = None
    # How long the retailer's silence keeps them in the confidential conversation. Not part of
    # the snapshot: it governs where the retailer's next message goes, not the complaint's clock.
    quiet_period: timedelta = timedelta(hours=2)

    def snapshot(self) -> dict[str, Any]:
        """Return a JSON-ready copy to store on the complaint."""
        return {
            "steps": [
                {"after": int(s.after.total_seconds()), "everyone": s.everyone} for s in self.steps
            ],
            "repeat_last_every": (
                int(self.repeat_last_every.total_seconds()) if self.repeat_last_every else None
            ),
        }

    @classmethod
    def from_snapshot(cls, stored: Mapping[str, Any]) -> ComplaintPolicy:
        """Rebuild a policy from a complaint's stored snapshot."""
        repeat = stored.get("repeat_last_every")
        return cls(
            steps=tuple(
                ComplaintStep(timedelta(seconds=s["after"]), bool(s.get("everyone")))
                for s in stored.get("steps", [])
            ),
            repeat_last_every=timedelta(seconds=repeat) if repeat else None,
        )


@dataclass(frozen=True)
class Complaint:
    """A retailer's complaint about their manager, addressed to the supervisor above them."""

    id: int
    retailer_id: str
    manager_id: str
    supervisor_id: str | None
    opened_at: datetime
    policy: ComplaintPolicy
    closed_at: datetime | None = None
    waiting_since: datetime | None = None
    last_step: int = -1
    last_fired_at: datetime | None = None
    next_due_at: datetime | None = None
    first_response_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        """Say whether the complaint still takes messages and reminds."""
        return self.closed_at is None

    def evolve(self, **changes: Any) -> Complaint:
        """Return a copy with some fields changed."""
        return replace(self, **changes)


@dataclass(frozen=True)
class ComplaintMessage:
    """One message of a complaint's conversation: the retailer's, or a supervisor's answer."""

    complaint_id: int
    author_id: str
    from_retailer: bool
    content: Content
    at: datetime


def next_due(complaint: Complaint) -> datetime | None:
    """Return when the complaint next reminds its supervisors, or None when nothing waits."""
    if not complaint.is_open or complaint.waiting_since is None:
        return None
    steps = complaint.policy.steps
    upcoming = complaint.last_step + 1
    if upcoming < len(steps):
        return complaint.waiting_since + steps[upcoming].after
    repeat = complaint.policy.repeat_last_every
    if repeat and complaint.last_fired_at and steps:
        return complaint.last_fired_at + repeat
    return None


def with_due(complaint: Complaint) -> Complaint:
    """Return the complaint with next_due_at recomputed."""
    return complaint.evolve(next_due_at=next_due(complaint))


def due_step(complaint: Complaint, now: datetime) -> ComplaintStep | None:
    """Return the step due at this moment (the last one again when it repeats)."""
    due = next_due(complaint)
    steps = complaint.policy.steps
    if due is None or due > now or not steps:
        return None
    return steps[min(complaint.last_step + 1, len(steps) - 1)]


def overseers(team: Team, manager_id: str, *, everyone: bool = False) -> list[Supervisor]:
    """Return who hears about a manager: their supervisor, or every supervisor when none."""
    manager = team.managers.get(manager_id)
    own = team.supervisors.get(manager.supervisor or "") if manager else None
    if own is not None and not everyone:
        return [own]
    return list(team.supervisors.values())


def answerers(team: Team, complaint: Complaint, *, everyone: bool = False) -> list[Supervisor]:
    """Return the supervisors a complaint goes to: its own, or all when it has none left."""
    own = team.supervisors.get(complaint.supervisor_id or "")
    if own is not None and not everyone:
        return [own]
    return list(team.supervisors.values())
