"""Working hours, on-duty shifts and the weekday specs the config writes them in."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desk.hours import WEEKDAYS, OnDutyRota, Shift, WorkingHours, parse_days

SHANGHAI = ZoneInfo("Asia/Shanghai")
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


def local(day: str, clock: str) -> datetime:
    """Return a Shanghai wall-clock moment."""
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("spec", "days"),
    [
        ("mon-fri", {MON, TUE, WED, THU, FRI}),
        ("sat,sun", {SAT, SUN}),
        ("fri-mon", {FRI, SAT, SUN, MON}),
        ("sun-sat", set(range(7))),
        ("wed", {WED}),
        ("tue-tue", {TUE}),
        ("mon,wed-thu,sun", {MON, WED, THU, SUN}),
        (" Mon-Wed , SAT ", {MON, TUE, WED, SAT}),
        ("daily", set(range(7))),
        ("all", set(range(7))),
        ("*", set(range(7))),
        ("DAILY", set(range(7))),
    ],
)
def test_parse_days_reads_names_ranges_and_daily(spec, days):
    assert parse_days(spec) == frozenset(days)


@pytest.mark.parametrize(
    "spec", ["", "funday", "monday", "mon-funday", "mon,,tue", "mon-tue-wed", "1-5", "-fri"]
)
def test_parse_days_rejects_what_it_cannot_read(spec):
    with pytest.raises(ValueError, match="weekday"):
        parse_days(spec)


@given(st.sampled_from(WEEKDAYS), st.sampled_from(WEEKDAYS))
def test_a_range_runs_forward_through_the_week_wrapping_at_sunday(first, last):
    lo, hi = WEEKDAYS.index(first), WEEKDAYS.index(last)

    days = parse_days(f"{first}-{last}")

    assert len(days) == (hi - lo) % 7 + 1
    assert lo in days
    assert hi in days


@pytest.mark.parametrize(
    ("day", "clock", "at_work"),
    [
        ("2026-11-17", "08:59", False),
        ("2026-11-17", "09:00", True),
        ("2026-11-17", "17:59", True),
        ("2026-11-17", "18:00", False),
        ("2026-11-21", "10:00", False),  # Saturday
    ],
)
def test_working_hours_default_to_weekdays_nine_to_six(day, clock, at_work):
    assert WorkingHours().covers(local(day, clock)) is at_work


def test_a_day_shift_covers_its_own_hours_only():
    shift = Shift("m1", frozenset({TUE}), time(9), time(18))

    assert shift.covers(local("2026-11-17", "09:00"))
    assert not shift.covers(local("2026-11-17", "18:00"))
    assert not shift.covers(local("2026-11-18", "10:00"))


def test_a_night_shift_past_midnight_belongs_to_the_day_it_started():
    friday_night = Shift("m2", frozenset({FRI}), time(18), time(9))

    assert not friday_night.covers(local("2026-11-20", "17:59"))
    assert friday_night.covers(local("2026-11-20", "23:00"))
    assert friday_night.covers(local("2026-11-21", "02:00"))
    assert friday_night.covers(local("2026-11-21", "08:59"))
    assert not friday_night.covers(local("2026-11-21", "09:00"))
    assert not friday_night.covers(local("2026-11-21", "23:00"))  # Saturday night
    assert not friday_night.covers(local("2026-11-20", "02:00"))  # Thursday's small hours


def test_a_shift_ending_where_it_starts_runs_round_the_clock():
    weekend = Shift("m1", frozenset({SAT, SUN}), time(9), time(9))

    assert weekend.covers(local("2026-11-21", "09:00"))
    assert weekend.covers(local("2026-11-22", "03:00"))
    assert weekend.covers(local("2026-11-23", "08:59"))  # Monday, still Sunday's shift
    assert not weekend.covers(local("2026-11-23", "09:00"))
    assert not weekend.covers(local("2026-11-21", "08:59"))  # Friday's night, not the weekend's


def test_the_first_matching_shift_wins():
    rota = OnDutyRota(
        [
            Shift("m2", frozenset({FRI}), time(18), time(9)),
            Shift("m1", frozenset(range(7)), time(0), time(0)),
        ]
    )

    assert rota.on_duty(local("2026-11-20", "23:00")) == "m2"
    assert rota.on_duty(local("2026-11-21", "12:00")) == "m1"


def test_an_empty_rota_has_nobody_on_duty():
    assert OnDutyRota(()).on_duty(local("2026-11-20", "23:00")) is None
