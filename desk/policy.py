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


_DURATION = re.compile(r"^\s*(\d+)\s*([smhd]?)\s*$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(value: str | int) -> timedelta:
    """Read '90s', '15m', '2h', '1d' or whole seconds into a timedelta."""
    if isinstance(value, bool):
        raise ValueError("a duration is a number of seconds or text like '15m'")
    if isinstance(value, int):
        if value < 0:
            raise ValueError("a duration cannot be negative")
        return timedelta(seconds=value)
    match = _DURATION.match(value)
    if not match:
        raise ValueError(f"{value!r} is not a duration; use e.g. '90s', '15m', '2h' or 60")
    return timedelta(seconds=int(match[1]) * _UNIT_SECONDS[match[2]])


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
