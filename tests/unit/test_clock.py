"""The hand-moved clock stands still until set, and only ever forward."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from desk.clock import HandClock

START = datetime(2026, 11, 9, 1, 0, tzinfo=UTC)


def test_a_hand_clock_stands_at_the_moment_last_set() -> None:
    clock = HandClock(START)
    assert clock.now() == clock.now() == START
    clock.set(START + timedelta(minutes=15))
    assert clock.now() == START + timedelta(minutes=15)
    clock.set(clock.now())
    assert clock.now() == START + timedelta(minutes=15)


def test_a_hand_clock_never_runs_back() -> None:
    clock = HandClock(START)
    with pytest.raises(ValueError, match="not before it"):
        clock.set(START - timedelta(seconds=1))
    assert clock.now() == START
