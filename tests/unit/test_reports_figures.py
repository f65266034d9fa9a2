"""The figure dataclasses, and the sample summary the rendering tests share."""

from __future__ import annotations

from dataclasses import FrozenInstanceError

import pytest

from reports import IsoWeek, Latency, ManagerWeek, TeamWeek, WeeklySummary, change


def sample_summary(names: tuple[str, ...] = ("李经理", "欧阳娜娜喆")) -> WeeklySummary:
    """Return a plausible week for two (or more) managers and their team."""
    managers = tuple(
        ManagerWeek(
            manager_id=f"m{n + 1}",
            name=name,
            received=10 + n,
            answered=7 + n,
            first_response=Latency(7 + n, 600 + 60 * n, 4680, 7200),
            met_target=4,
            target_due=9,
            next_reply=Latency(3, 90, 210, 240),
            business_received=6,
            business=Latency(5, 300, 960, 1200),
            off_hours_received=4 + n,
            off_hours=Latency(2 + n, 5100, 6780, 7200),
            escalations=(5, 4, 2) if n == 0 else (0, 0, 0),
            answered_by_others=2 if n == 0 else 0,
            on_it=2,
            eta_broken=1 if n == 0 else 0,
            unreachable=1 if n == 0 else 0,
        )
        for n, name in enumerate(names)
    )
    team = TeamWeek(
        managers=len(managers),
        received=sum(m.received for m in managers),
        answered=sum(m.answered for m in managers),
        first_response=Latency(10, 350, 3420, 7200),
        met_target=7,
        target_due=12,
        next_reply=Latency(3, 90, 210, 240),
        business_received=8,
        business=Latency(7, 200, 840, 1200),
        off_hours_received=5,
        off_hours=Latency(3, 3000, 6360, 7200),
        escalations=(5, 4, 2),
        answered_by_others=2,
        on_it=4,
        eta_broken=1,
        unreachable=1,
    )
    previous = TeamWeek(
        managers=len(managers),
        received=2,
        answered=1,
        first_response=Latency(1, 250, 250, 250),
        met_target=1,
        target_due=1,
        escalations=(0, 0, 0),
    )
    return WeeklySummary(IsoWeek(2026, 47), "Asia/Shanghai", 900.0, managers, team, previous)


def test_unanswered_is_what_was_not_answered() -> None:
    week = TeamWeek(received=13, answered=10)
    assert week.unanswered == 3


def test_within_target_is_unknown_until_a_target_is_decided() -> None:
    assert TeamWeek(met_target=0, target_due=0).within_target is None
    assert TeamWeek(met_target=3, target_due=4).within_target == 0.75


def test_escalated_adds_up_every_step() -> None:
    assert TeamWeek(escalations=(5, 4, 2)).escalated == 11


def test_change_needs_both_weeks() -> None:
    assert change(13, 2) == 11
    assert change(0.5, None) is None
    assert change(None, 3) is None


def test_figures_cannot_be_changed_after_the_fact() -> None:
    summary = sample_summary()
    assert summary.steps == 3
    with pytest.raises(FrozenInstanceError):
        summary.team.received = 0  # type: ignore[misc]
