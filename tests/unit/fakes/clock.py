"""A clock that only moves when a test moves it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class FakeClock:
    """Tell a time that only moves when a test moves it."""

    def __init__(self, start: datetime) -> None:
        self._now = _utc(start)

    def now(self) -> datetime:
        """Return the current fake time in UTC."""
        return self._now

    def advance(
        self, *, seconds: float = 0, minutes: float = 0, hours: float = 0, days: float = 0
    ) -> datetime:
        """Move time forward and return the new now."""
        step = timedelta(seconds=seconds, minutes=minutes, hours=hours, days=days)
        if step < timedelta(0):
            raise ValueError("a clock does not run backwards; use set() to jump")
        self._now += step
        return self._now

    def set(self, moment: datetime) -> datetime:
        """Jump to a moment, given in any timezone."""
        self._now = _utc(moment)
        return self._now


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("the fake clock takes aware datetimes only")
    return moment.astimezone(UTC)
