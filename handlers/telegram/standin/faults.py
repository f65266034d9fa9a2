"""Describe injected failures and pick the one that applies to a call."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Literal

FaultKind = Literal["fail", "stall", "drop"]


@dataclass
class Fault:
    """One armed failure: fail with a status, stall past client timeouts, or drop the socket."""

    kind: FaultKind
    method: str = "*"
    status: int = 500
    remaining: int | None = None
    until: float | None = None
    retry_after: int = 1
    hold: float = 30.0

    def active(self, now: float) -> bool:
        """Tell whether the fault still has uses and time left."""
        if self.remaining is not None and self.remaining <= 0:
            return False
        return self.until is None or now < self.until

    def description(self) -> str:
        """Return the error description Telegram sends with this status."""
        if self.status == 429:
            return f"Too Many Requests: retry after {self.retry_after}"
        try:
            return HTTPStatus(self.status).phrase
        except ValueError:
            return f"Error {self.status}"


@dataclass
class FaultBook:
    """Armed faults in the order they were added; the first match wins."""

    faults: list[Fault] = field(default_factory=list)

    def add(self, fault: Fault) -> Fault:
        """Arm a fault; method '*' matches every Bot API method."""
        fault.method = fault.method.lower()
        self.faults.append(fault)
        return fault

    def take(self, method: str) -> Fault | None:
        """Consume one use of the first active fault matching method (lowercase)."""
        if not self.faults:
            return None
        now = time.monotonic()
        self.faults = [f for f in self.faults if f.active(now)]
        for fault in self.faults:
            if fault.method in ("*", method):
                if fault.remaining is not None:
                    fault.remaining -= 1
                return fault
        return None

    def clear(self) -> None:
        """Disarm every fault."""
        self.faults.clear()
