"""The time source every use case takes, so tests can move time by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Tell the current time as an aware UTC datetime."""

    def now(self) -> datetime:
        """Return the current time in UTC."""
        ...


class SystemClock:
    """Read the wall clock."""

    def now(self) -> datetime:
        """Return the current time in UTC."""
        return datetime.now(UTC)


class ShiftedClock:
    """Run at wall-clock speed from a chosen starting moment (used by the demo)."""

    def __init__(self, start: datetime, base: Clock | None = None) -> None:
        self._base = base or SystemClock()
        self._offset: timedelta = start - self._base.now()

    def now(self) -> datetime:
        """Return the shifted time in UTC."""
        return self._base.now() + self._offset


class HandClock:
    """Stand at the moment last set, until moved on by hand (the demo's history)."""

    def __init__(self, start: datetime) -> None:
        self._now = start

    def now(self) -> datetime:
        """Return the moment the clock was last set to."""
        return self._now

    def set(self, moment: datetime) -> None:
        """Move the clock on to a later moment; time never runs back."""
        if moment < self._now:
            raise ValueError(f"the clock stands at {self._now}, not before it")
        self._now = moment
