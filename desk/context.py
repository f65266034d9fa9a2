"""Everything a use case needs, handed in once at wiring time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from desk.clock import Clock
from desk.complaints import ComplaintPolicy
from desk.flood import FloodPolicy
from desk.people import Address, Retailer, Staff, Team, reached_first
from desk.policy import Policy
from desk.ports import Store
from desk.ratings import RatingPolicy
from desk.shelf import Shelf


@dataclass(frozen=True)
class DeskContext:
    """The store, the team, the clock and the policy the desk works with."""

    store: Store
    team: Team
    clock: Clock
    policy: Policy
    timezone: ZoneInfo
    # Reads a shared phone as E.164, or None; handed in, as numbering plans are no stdlib.
    read_phone: Callable[[str], str | None]
    flood: FloodPolicy = field(default_factory=FloodPolicy)
    complaints: ComplaintPolicy = field(default_factory=ComplaintPolicy)
    ratings: RatingPolicy = field(default_factory=RatingPolicy)
    guide: Shelf = field(default_factory=Shelf)

    def local(self, at: datetime) -> datetime:
        """Return a moment in the desk's timezone."""
        return at.astimezone(self.timezone)

    def reach(self, person: Retailer | Staff) -> Address:
        """Return the chat where a person gets the desk's messages: their first contact."""
        address = reached_first(person.contacts)
        if address is None:
            raise ValueError(f"{person.id} has no linked chat")
        return address
