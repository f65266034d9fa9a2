"""The on-duty rota of the coming week, read from the config's shifts."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from desk.hours import OnDutyRota, Shift
from desk.people import Address, Manager, Team
from reports.rota import DutySlot, rota_ahead

SHANGHAI = ZoneInfo("Asia/Shanghai")
WEEKEND = frozenset({5, 6})
TEAM = Team(
    managers=[
        Manager("m1", "李经理", (Address("telegram", "1"),)),
        Manager("m2", "王经理", (Address("telegram", "2"),)),
    ],
    supervisors=[],
    rota=OnDutyRota(
        [
            Shift("m1", frozenset(range(5)), time(18), time(9)),
            Shift("m2", WEEKEND, time(9), time(21)),
        ]
    ),
)


def at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=SHANGHAI)


def test_the_coming_week_day_by_day() -> None:
    # Friday 23:00 in Shanghai is still Friday 15:00 UTC: the week starts on the local Friday.
    friday = date(2026, 11, 27)
    now = datetime(2026, 11, 27, 15, tzinfo=UTC)

    slots = rota_ahead(TEAM, now, SHANGHAI, days=3)

    assert slots == (
        DutySlot(friday, "m1", "李经理", at(friday, 18), at(date(2026, 11, 28), 9)),
        DutySlot(date(2026, 11, 28), "m2", "王经理", at(date(2026, 11, 28), 9), at(date(2026, 11, 28), 21)),
        DutySlot(date(2026, 11, 29), "m2", "王经理", at(date(2026, 11, 29), 9), at(date(2026, 11, 29), 21)),
    )  # fmt: skip


def test_no_rota_no_slots() -> None:
    team = Team(managers=[], supervisors=[])
    assert rota_ahead(team, datetime(2026, 11, 27, tzinfo=UTC), SHANGHAI) == ()


def test_seven_days_by_default() -> None:
    slots = rota_ahead(TEAM, datetime(2026, 11, 23, 1, tzinfo=UTC), SHANGHAI)
    assert [s.day.weekday() for s in slots] == [0, 1, 2, 3, 4, 5, 6]
    assert {s.staff_id for s in slots if s.day.weekday() < 5} == {"m1"}


def test_a_shift_shows_its_hours_with_a_whole_day_ending_at_24() -> None:
    day = date(2026, 12, 5)
    whole_day = DutySlot(day, "m1", "李经理", at(day, 0), at(date(2026, 12, 6), 0))
    night = DutySlot(day, "m1", "李经理", at(day, 18), at(date(2026, 12, 6), 9))
    assert whole_day.hours == "00:00–24:00"
    assert night.hours == "18:00–09:00"
