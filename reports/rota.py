"""Who is on duty over the coming days, from the configured rota, as plain data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from desk.people import Team


@dataclass(frozen=True)
class DutySlot:
    """One on-duty shift on one local day; a shift past midnight ends the day after."""

    day: date
    staff_id: str
    name: str
    # Local moments in the desk's timezone.
    start: datetime
    end: datetime

    @property
    def hours(self) -> str:
        """Return the shift's local hours, its end at the next midnight written as 24:00."""
        ends_at_midnight = self.end.time() == time(0) and self.end.date() > self.start.date()
        end = "24:00" if ends_at_midnight else self.end.strftime("%H:%M")
        return f"{self.start.strftime('%H:%M')}–{end}"


def rota_ahead(team: Team, now: datetime, tz: ZoneInfo, *, days: int = 7) -> tuple[DutySlot, ...]:
    """Return the rota's shifts from today (local) for the coming days, in time order."""
    today = now.astimezone(tz).date()
    slots: list[DutySlot] = []
    for n in range(days):
        day = today + timedelta(days=n)
        for shift in team.rota.shifts:
            if day.weekday() not in shift.days:
                continue
            start = datetime.combine(day, shift.start, tzinfo=tz)
            # As desk.hours.Shift reads it: an end not after the start is the next day's.
            end_day = day if shift.start < shift.end else day + timedelta(days=1)
            end = datetime.combine(end_day, shift.end, tzinfo=tz)
            slots.append(DutySlot(day, shift.staff_id, team.name_of(shift.staff_id), start, end))
    # Stable: at the same start the rota's first shift (the one that wins) comes first.
    return tuple(sorted(slots, key=lambda s: s.start))
