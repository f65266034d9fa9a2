"""The escalation policy a ticket is opened under, kept on the ticket as a snapshot."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any


class Notify(StrEnum):
    """Who an escalation step reaches."""

    MANAGER = "manager"
    BACKUP = "backup"
    ON_DUTY = "on_duty"
    SUPERVISOR = "supervisor"


_DURATION = re.compile(r"^\s*0*(\d+)\s*([smhd]?)\s*$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
# Ten years: far beyond any sensible wait, and a due time this far ahead still fits a datetime.
LONGEST_DURATION = timedelta(days=3650)
_LONGEST_SECONDS = int(LONGEST_DURATION.total_seconds())


def parse_duration(value: str | int) -> timedelta:
    """Read '90s', '15m', '2h', '1d' or whole seconds into a timedelta."""
    if isinstance(value, bool):
        raise ValueError("a duration is a number of seconds or text like '15m'")
    if isinstance(value, int):
        if value < 0:
            raise ValueError("a duration cannot be negative")
        return _within_limit(value, value)
    match = _DURATION.match(value)
    if not match:
        raise ValueError(f"{value!r} is not a duration; use e.g. '90s', '15m', '2h' or 60")
    # A number longer than the limit itself is too long whatever its unit; int() would also
    # refuse one of thousands of digits with a message about Python, not about the config.
    if len(match[1]) > len(str(_LONGEST_SECONDS)):
        return _within_limit(value, _LONGEST_SECONDS + 1)
    return _within_limit(value, int(match[1]) * _UNIT_SECONDS[match[2]])


def _within_limit(written: str | int, seconds: int) -> timedelta:
    if seconds > _LONGEST_SECONDS:
        # Refuse it here: past ~10**9 days timedelta raises OverflowError, which pydantic
        # would let through as a traceback instead of a problem with the key.
        limit = LONGEST_DURATION.days
        raise ValueError(f"{written!r} is too long; a duration is at most {limit}d (ten years)")
    return timedelta(seconds=seconds)


@dataclass(frozen=True)
class EscalationStep:
    """One rung of the ladder: after how long, and whom to notify."""

    after: timedelta
    notify: Notify


@dataclass(frozen=True)
class Policy:
    """The ladder a ticket climbs while its retailer waits."""

    steps: tuple[EscalationStep, ...]
    repeat_last_every: timedelta | None = None

    @property
    def first_target(self) -> timedelta | None:
        """Return the time by which the retailer is promised an answer."""
        return self.steps[0].after if self.steps else None

    def snapshot(self) -> dict[str, Any]:
        """Return a JSON-ready copy to store on the ticket."""
        return {
            "steps": [
                {"after": int(s.after.total_seconds()), "notify": s.notify.value}
                for s in self.steps
            ],
            "repeat_last_every": (
                int(self.repeat_last_every.total_seconds()) if self.repeat_last_every else None
            ),
        }

    @classmethod
    def from_snapshot(cls, stored: Mapping[str, Any]) -> Policy:
        """Rebuild a policy from a ticket's stored snapshot."""
        repeat = stored.get("repeat_last_every")
        return cls(
            steps=tuple(
                EscalationStep(timedelta(seconds=s["after"]), Notify(s["notify"]))
                for s in stored.get("steps", [])
            ),
            repeat_last_every=timedelta(seconds=repeat) if repeat else None,
        )
