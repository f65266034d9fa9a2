"""ISO weeks in the desk's timezone, and the weekly moment a summary is delivered."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from desk.hours import WEEKDAYS

_WEEK = re.compile(r"^\s*(\d{4})-?W(\d{1,2})\s*$", re.IGNORECASE)
# No desk kept tickets before 2000; bounds also keep every week's neighbours on the calendar.
YEARS = range(2000, 3000)
_SCHEDULE = re.compile(r"^\s*([a-z]{3})[a-z]*\s+(\d{1,2}):(\d{2})\s*$", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class IsoWeek:
    """One ISO week, Monday to Sunday, such as 2026-W47."""

    year: int
    week: int

    def __post_init__(self) -> None:
        try:
            date.fromisocalendar(self.year, self.week, 1)
        except ValueError:
            raise ValueError(f"{self} is not an ISO week") from None
        if self.year not in YEARS:
            raise ValueError(f"{self} is outside the years {YEARS[0]}-{YEARS[-1]}")

    @classmethod
    def parse(cls, text: str) -> IsoWeek:
        """Read '2026-W47' (or '2026W47')."""
        match = _WEEK.match(text)
        if not match:
            raise ValueError(f"{text!r} is not a week; write it like 2026-W47")
        return cls(int(match[1]), int(match[2]))

    @classmethod
    def containing(cls, moment: datetime, tz: ZoneInfo) -> IsoWeek:
        """Return the week a moment falls in, as seen on the local calendar."""
        year, week, _ = moment.astimezone(tz).isocalendar()
        return cls(year, week)

    @property
    def monday(self) -> date:
        """Return the week's first day."""
        return date.fromisocalendar(self.year, self.week, 1)

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """Return [local Monday 00:00, next local Monday 00:00) as UTC moments."""
        start = datetime.combine(self.monday, time(0), tzinfo=tz)
        end = datetime.combine(self.monday + timedelta(days=7), time(0), tzinfo=tz)
        return start.astimezone(UTC), end.astimezone(UTC)

    def begun(self, now: datetime, tz: ZoneInfo) -> bool:
        """Tell whether the week has started by this moment."""
        return self.bounds(tz)[0] <= now

    def ended(self, now: datetime, tz: ZoneInfo) -> bool:
        """Tell whether the week is over by this moment."""
        return self.bounds(tz)[1] <= now

    def previous(self) -> IsoWeek:
        """Return the week before."""
        year, week, _ = (self.monday - timedelta(days=7)).isocalendar()
        return IsoWeek(year, week)

    def following(self) -> IsoWeek:
        """Return the week after."""
        year, week, _ = (self.monday + timedelta(days=7)).isocalendar()
        return IsoWeek(year, week)

    def __str__(self) -> str:
        return f"{self.year:04d}-W{self.week:02d}"


@dataclass(frozen=True)
class WeeklySchedule:
    """When, in the week after, the summary of a finished week goes out."""

    weekday: int
    at: time

    @classmethod
    def parse(cls, text: str) -> WeeklySchedule:
        """Read 'mon 09:00' (any weekday name, 24-hour local time)."""
        match = _SCHEDULE.match(text)
        day = match[1].lower() if match else ""
        if not match or day not in WEEKDAYS:
            raise ValueError(f"{text!r} is not a weekly time; write it like 'mon 09:00'")
        hour, minute = int(match[2]), int(match[3])
        if hour > 23 or minute > 59:
            raise ValueError(f"{text!r} has no such time of day")
        return cls(WEEKDAYS.index(day), time(hour, minute))

    def delivery_of(self, week: IsoWeek, tz: ZoneInfo) -> datetime:
        """Return the UTC moment a finished week's summary is due: its first slot after it."""
        day = week.following().monday + timedelta(days=self.weekday)
        return datetime.combine(day, self.at, tzinfo=tz).astimezone(UTC)

    def due_week(self, now: datetime, tz: ZoneInfo) -> IsoWeek:
        """Return the last finished week whose delivery moment has passed."""
        finished = IsoWeek.containing(now, tz).previous()
        return finished if self.delivery_of(finished, tz) <= now else finished.previous()

    def __str__(self) -> str:
        return f"{WEEKDAYS[self.weekday]} {self.at:%H:%M}"
