"""ISO weeks in the desk's timezone and the weekly delivery moment."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from reports import IsoWeek, WeeklySchedule

SHANGHAI = ZoneInfo("Asia/Shanghai")


def shanghai(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    """Return a Shanghai wall-clock moment."""
    return datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)


def test_a_week_reads_and_writes_as_year_dash_w_number() -> None:
    week = IsoWeek.parse("2026-W47")
    assert week == IsoWeek(2026, 47)
    assert str(week) == "2026-W47"
    assert IsoWeek.parse("2026w7") == IsoWeek(2026, 7)
    assert str(IsoWeek(2026, 7)) == "2026-W07"


@pytest.mark.parametrize("text", ["2026-47", "W47", "2026-W54", "2025-W53", "2026-W00", ""])
def test_a_bad_week_is_refused_with_the_expected_form(text: str) -> None:
    with pytest.raises(ValueError, match="W"):
        IsoWeek.parse(text)


def test_bounds_are_local_monday_midnights_in_utc() -> None:
    start, end = IsoWeek(2026, 47).bounds(SHANGHAI)
    assert start == datetime(2026, 11, 15, 16, 0, tzinfo=UTC)
    assert end == datetime(2026, 11, 22, 16, 0, tzinfo=UTC)


def test_sunday_night_and_monday_midnight_fall_in_different_weeks() -> None:
    assert IsoWeek.containing(shanghai(2026, 11, 22, 23, 59, 59), SHANGHAI) == IsoWeek(2026, 47)
    assert IsoWeek.containing(shanghai(2026, 11, 23, 0, 0, 0), SHANGHAI) == IsoWeek(2026, 48)
    # The same instant is still Sunday afternoon in UTC: the calendar is the local one.
    assert IsoWeek.containing(shanghai(2026, 11, 23).astimezone(UTC), SHANGHAI) == IsoWeek(2026, 48)


def test_previous_crosses_the_year() -> None:
    assert IsoWeek(2027, 1).previous() == IsoWeek(2026, 53)
    assert IsoWeek(2026, 53).following() == IsoWeek(2027, 1)
    assert IsoWeek(2026, 47).previous() == IsoWeek(2026, 46)


def test_bounds_follow_daylight_saving_where_there_is_some() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    start, end = IsoWeek(2026, 13).bounds(berlin)  # clocks go forward on Sunday 29 March
    assert start == datetime(2026, 3, 22, 23, 0, tzinfo=UTC)
    assert (end - start).total_seconds() == 7 * 86400 - 3600


def test_a_schedule_reads_weekday_and_time() -> None:
    schedule = WeeklySchedule.parse("mon 09:00")
    assert (schedule.weekday, schedule.at.hour, schedule.at.minute) == (0, 9, 0)
    assert str(WeeklySchedule.parse("Friday 17:30")) == "fri 17:30"


@pytest.mark.parametrize("text", ["monday", "xyz 09:00", "mon 24:00", "mon 9:60", "9:00 mon"])
def test_a_bad_schedule_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"mon 09:00|no such time"):
        WeeklySchedule.parse(text)


def test_the_due_week_waits_for_the_delivery_moment() -> None:
    schedule = WeeklySchedule.parse("mon 09:00")
    before = shanghai(2026, 11, 23, 8, 59, 59).astimezone(UTC)
    at = shanghai(2026, 11, 23, 9, 0).astimezone(UTC)
    assert schedule.due_week(before, SHANGHAI) == IsoWeek(2026, 46)
    assert schedule.due_week(at, SHANGHAI) == IsoWeek(2026, 47)
    assert schedule.due_week(shanghai(2026, 11, 29, 23, 0), SHANGHAI) == IsoWeek(2026, 47)


def test_a_late_schedule_delivers_in_the_week_after() -> None:
    schedule = WeeklySchedule.parse("sun 20:00")
    assert schedule.delivery_of(IsoWeek(2026, 47), SHANGHAI) == shanghai(2026, 11, 29, 20, 0)
    assert schedule.due_week(shanghai(2026, 11, 29, 19, 0), SHANGHAI) == IsoWeek(2026, 46)


def test_a_week_begins_and_ends_at_local_monday_midnight() -> None:
    week = IsoWeek(2026, 47)
    before, first, last = (
        shanghai(2026, 11, 15, 23, 59),
        shanghai(2026, 11, 16),
        shanghai(2026, 11, 23),
    )
    assert (week.begun(before, SHANGHAI), week.begun(first, SHANGHAI)) == (False, True)
    assert (week.ended(first, SHANGHAI), week.ended(last, SHANGHAI)) == (False, True)


@pytest.mark.parametrize("text", ["1999-W52", "3000-W01", "0001-W01", "9999-W52"])
def test_a_week_outside_the_desks_years_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="outside the years 2000-2999"):
        IsoWeek.parse(text)
