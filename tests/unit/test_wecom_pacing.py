"""Per-member pacing of app messages: under 30 a minute and 1,000 an hour, on a fake clock."""

from __future__ import annotations

from datetime import UTC, datetime

from handlers.wecom.pacing import PER_HOUR, PER_MINUTE, Pacing
from tests.unit.fakes import FakeClock


def test_a_member_gets_at_most_the_minutes_share_then_waits_for_the_oldest_to_age():
    clock = FakeClock(datetime(2026, 12, 7, 3, 0, tzinfo=UTC))
    pacing = Pacing()
    for _ in range(PER_MINUTE):
        assert pacing.wait("li", clock.now()) == 0
        pacing.sent("li", clock.now())
        clock.advance(seconds=1)

    assert PER_MINUTE < 30
    assert pacing.wait("li", clock.now()) == 60 - PER_MINUTE
    assert pacing.wait("wang", clock.now()) == 0, "each member is counted apart"
    clock.advance(seconds=60 - PER_MINUTE)
    assert pacing.wait("li", clock.now()) == 0


def test_the_hour_limit_holds_when_every_minute_is_under_its_own():
    clock = FakeClock(datetime(2026, 12, 7, 3, 0, tzinfo=UTC))
    pacing = Pacing()
    sent = 0
    while pacing.wait("li", clock.now()) == 0 or sent < PER_HOUR:
        if pacing.wait("li", clock.now()) == 0:
            pacing.sent("li", clock.now())
            sent += 1
        clock.advance(seconds=3)
        if sent >= PER_HOUR:
            break

    assert PER_HOUR < 1000
    assert sent == PER_HOUR
    assert pacing.wait("li", clock.now()) > 0
