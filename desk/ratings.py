"""A retailer's rating of how a ticket was handled: asked for once, given once."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

SCORES = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class RatingPolicy:
    """When the retailer is asked to rate, and which scores alert the supervisor."""

    ask_after: timedelta = timedelta(hours=24)
    low: int = 2


@dataclass(frozen=True)
class Rating:
    """The rating of one ticket: when to ask, when asked, and what the retailer gave."""

    ticket_id: int
    retailer_id: str
    manager_id: str
    due_at: datetime | None = None
    asked_at: datetime | None = None
    score: int | None = None
    comment: str | None = None
    rated_at: datetime | None = None

    @property
    def given(self) -> bool:
        """Say whether the retailer has rated already."""
        return self.score is not None

    def evolve(self, **changes: Any) -> Rating:
        """Return a copy with some fields changed."""
        return replace(self, **changes)
