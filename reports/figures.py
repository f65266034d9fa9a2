"""The figures of one week: per manager, for the team, and the summary that carries them."""

from __future__ import annotations

from dataclasses import dataclass

from reports.weeks import IsoWeek


@dataclass(frozen=True)
class Latency:
    """How long answers took, in calendar seconds; None where there was nothing to measure."""

    count: int = 0
    median: float | None = None
    p90: float | None = None
    max: float | None = None


NO_LATENCY = Latency()


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
    # Ratings and complaints are not collected yet; the columns wait for them.
    rating_average: float | None = None
    complaints: int | None = None

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
class WeeklySummary:
    """A week's report: each manager, the team, and the team's week before for comparison."""

    week: IsoWeek
    timezone: str
    target_seconds: float | None
    managers: tuple[ManagerWeek, ...]
    team: TeamWeek
    previous: TeamWeek | None = None

    @property
    def steps(self) -> int:
        """Return how many escalation steps the figures count."""
        return len(self.team.escalations)


def change(now: float | None, before: float | None) -> float | None:
    """Return how much a figure moved since the week before, None when either is unknown."""
    if now is None or before is None:
        return None
    return now - before
