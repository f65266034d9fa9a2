"""Business hours and the on-duty rotation, in the desk's configured timezone."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class WorkingHours:
    """The hours a manager is expected at work; everything else is off-hours."""

    days: frozenset[int] = frozenset(range(5))
    start: time = time(9, 0)
    end: time = time(18, 0)

    def covers(self, local: datetime) -> bool:
        """Say whether a local moment falls inside these hours."""
        return local.weekday() in self.days and self.start <= local.time() < self.end


@dataclass(frozen=True)
class Shift:
    """One on-duty slot; a slot whose end is not after its start runs past midnight."""

    staff_id: str
    days: frozenset[int]
    start: time
    end: time

    def covers(self, local: datetime) -> bool:
        """Say whether a local moment falls in this shift."""
        if self.start < self.end:
            return local.weekday() in self.days and self.start <= local.time() < self.end
        if local.time() >= self.start:
            return local.weekday() in self.days
        # Past midnight the shift belongs to the day it started on.
        started = (local - timedelta(days=1)).weekday()
        return local.time() < self.end and started in self.days


class OnDutyRota:
    """The configured rotation of on-duty colleagues."""

    def __init__(self, shifts: Iterable[Shift]) -> None:
        self.shifts = tuple(shifts)

    def on_duty(self, local: datetime) -> str | None:
        """Return who is on duty at a local moment, first matching shift wins."""
        return next((s.staff_id for s in self.shifts if s.covers(local)), None)


def parse_days(spec: str) -> frozenset[int]:
    """Turn 'mon-fri', 'sat,sun' or 'daily' into weekday numbers."""
    spec = spec.strip().lower()
    if spec in {"daily", "all", "*"}:
        return frozenset(range(7))
    days: set[int] = set()
    for part in spec.split(","):
        first, _, last = part.strip().partition("-")
        if first not in WEEKDAYS or (last and last not in WEEKDAYS):
            raise ValueError(f"unknown weekday in {spec!r}; use mon..sun, ranges or 'daily'")
        lo, hi = WEEKDAYS.index(first), WEEKDAYS.index(last or first)
        span = range(lo, hi + 1) if lo <= hi else [*range(lo, 7), *range(hi + 1)]
        days.update(span)
    return frozenset(days)
