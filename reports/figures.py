"""The figures of one week: per manager, for the team, and the summary that carries them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from desk.policy import Policy
from desk.ratings import RatingPolicy
from reports.weeks import IsoWeek


@dataclass(frozen=True)
class Standards:
    """What the desk holds managers to: its ladder now, and the score that counts as low."""

    # A week's figures follow the ladder each question was opened under; the configured one
    # names the columns and the target of a week that stored none.
    policy: Policy | None = None
    low_rating: int = RatingPolicy().low


USUAL_STANDARDS = Standards()


@dataclass(frozen=True)
class Latency:
    """How long answers took, in calendar seconds; None where there was nothing to measure."""

    count: int = 0
    median: float | None = None
    p90: float | None = None
    max: float | None = None


NO_LATENCY = Latency()


@dataclass(frozen=True)
class SupplyCount:
    """Supply requests opened in the week, and how many ended out of stock or refused."""

    requests: int = 0
    out_of_stock: int = 0
    refused: int = 0

    @property
    def denied(self) -> int:
        """Return the requests that ended out of stock or refused."""
        return self.out_of_stock + self.refused

    @property
    def denied_share(self) -> float | None:
        """Return the share of requests denied, None without requests."""
        return self.denied / self.requests if self.requests else None

    def __add__(self, other: SupplyCount) -> SupplyCount:
        """Return both counts together."""
        return SupplyCount(
            self.requests + other.requests,
            self.out_of_stock + other.out_of_stock,
            self.refused + other.refused,
        )


NO_SUPPLY = SupplyCount()


@dataclass(frozen=True, kw_only=True)
class WeekFigures:
    """What happened to the questions opened in one week, as it stood at the week's end."""

    received: int = 0
    answered: int = 0
    first_response: Latency = NO_LATENCY
    # Questions whose target was met, out of those whose outcome was known by the week's end.
    met_target: int = 0
    target_due: int = 0
    next_reply: Latency = NO_LATENCY
    business_received: int = 0
    business: Latency = NO_LATENCY
    off_hours_received: int = 0
    off_hours: Latency = NO_LATENCY
    escalations: tuple[int, ...] = ()
    answered_by_others: int = 0
    on_it: int = 0
    eta_broken: int = 0
    unreachable: int = 0
    # Ratings given in the week; complaints opened in it, None where they must not be shown.
    rating_average: float | None = None
    complaints: int | None = None
    rating_count: int = 0
    low_ratings: int = 0
    supply: SupplyCount = NO_SUPPLY

    @property
    def low_rating_share(self) -> float | None:
        """Return the share of ratings that were low, None without ratings."""
        return self.low_ratings / self.rating_count if self.rating_count else None

    @property
    def unanswered(self) -> int:
        """Return how many questions still had no answer when the week ended."""
        return self.received - self.answered

    @property
    def within_target(self) -> float | None:
        """Return the share of decided questions answered within the first step's target."""
        return self.met_target / self.target_due if self.target_due else None

    @property
    def escalated(self) -> int:
        """Return the escalation steps fired, all steps together."""
        return sum(self.escalations)


@dataclass(frozen=True, kw_only=True)
class ManagerWeek(WeekFigures):
    """One manager's week, counted on the tickets assigned to them."""

    manager_id: str
    name: str


@dataclass(frozen=True, kw_only=True)
class TeamWeek(WeekFigures):
    """The week of every manager in the report, together."""

    managers: int = 0


@dataclass(frozen=True)
class BrandWeek:
    """How one brand's supply requests ended: for one manager, or for the team."""

    brand: str
    manager_id: str | None
    supply: SupplyCount


@dataclass(frozen=True)
class WeeklySummary:
    """A week's report: each manager, the team, and the team's week before for comparison."""

    week: IsoWeek
    timezone: str
    target_seconds: float | None
    managers: tuple[ManagerWeek, ...]
    team: TeamWeek
    previous: TeamWeek | None = None
    # Supply outcomes by brand: for the team (manager_id None), then by manager.
    brands: tuple[BrandWeek, ...] = ()
    # Set when the week was still going on: the figures stand as of this moment.
    as_of: datetime | None = None

    @property
    def steps(self) -> int:
        """Return how many escalation steps the figures count."""
        return len(self.team.escalations)

    def so_far(self, now: datetime, tz: ZoneInfo) -> WeeklySummary:
        """Return the summary marked as standing at this moment while its week goes on."""
        return self if self.week.ended(now, tz) else replace(self, as_of=now)


def change(now: float | None, before: float | None) -> float | None:
    """Return how much a figure moved since the week before, None when either is unknown."""
    if now is None or before is None:
        return None
    return now - before
