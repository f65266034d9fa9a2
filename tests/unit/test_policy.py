"""Durations as the config writes them, and the policy snapshot a ticket keeps."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desk.policy import LONGEST_DURATION, EscalationStep, Notify, Policy, parse_duration

DEFAULT = Policy(
    (
        EscalationStep(timedelta(minutes=15), Notify.MANAGER),
        EscalationStep(timedelta(minutes=30), Notify.BACKUP),
        EscalationStep(timedelta(minutes=60), Notify.SUPERVISOR),
    )
)


@pytest.mark.parametrize(
    ("written", "duration"),
    [
        ("90s", timedelta(seconds=90)),
        ("15m", timedelta(minutes=15)),
        ("2h", timedelta(hours=2)),
        ("1d", timedelta(days=1)),
        ("45", timedelta(seconds=45)),
        (" 15 m ", timedelta(minutes=15)),
        ("0m", timedelta(0)),
        (60, timedelta(seconds=60)),
        (0, timedelta(0)),
    ],
)
def test_parse_duration_reads_units_and_whole_seconds(written, duration):
    assert parse_duration(written) == duration


@pytest.mark.parametrize(
    "written", ["", "m", "15x", "1.5h", "-5m", "15min", "fifteen", "15 m 3", "1h30m", "15M"]
)
def test_parse_duration_rejects_text_it_cannot_read(written):
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration(written)


def test_parse_duration_rejects_negative_seconds():
    with pytest.raises(ValueError, match="negative"):
        parse_duration(-1)


@pytest.mark.parametrize("flag", [True, False])
def test_parse_duration_does_not_take_a_boolean_for_a_number(flag):
    with pytest.raises(ValueError, match="duration"):
        parse_duration(flag)


def test_the_first_step_is_the_promise_made_to_the_retailer():
    assert DEFAULT.first_target == timedelta(minutes=15)
    assert Policy(()).first_target is None


def test_the_snapshot_is_plain_json():
    assert DEFAULT.snapshot() == {
        "steps": [
            {"after": 900, "notify": "manager"},
            {"after": 1800, "notify": "backup"},
            {"after": 3600, "notify": "supervisor"},
        ],
        "repeat_last_every": None,
    }


@pytest.mark.parametrize("repeat", [None, timedelta(minutes=30)])
def test_a_policy_survives_the_round_trip_through_its_stored_snapshot(repeat):
    policy = Policy(DEFAULT.steps, repeat_last_every=repeat)

    stored = json.loads(json.dumps(policy.snapshot()))

    assert Policy.from_snapshot(stored) == policy


def test_an_empty_snapshot_is_a_policy_without_steps():
    assert Policy.from_snapshot({}) == Policy(())


steps = st.lists(
    st.builds(
        EscalationStep,
        st.integers(min_value=0, max_value=10**7).map(lambda s: timedelta(seconds=s)),
        st.sampled_from(Notify),
    ),
    max_size=6,
).map(tuple)
repeats = st.none() | st.integers(min_value=1, max_value=10**7).map(lambda s: timedelta(seconds=s))


@given(steps, repeats)
def test_any_whole_second_policy_round_trips(policy_steps, repeat):
    policy = Policy(policy_steps, repeat_last_every=repeat)

    assert Policy.from_snapshot(json.loads(json.dumps(policy.snapshot()))) == policy


UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


@given(st.sampled_from(list(UNIT_SECONDS)), st.data())
def test_any_written_whole_duration_up_to_the_limit_reads_back(unit, data):
    seconds = UNIT_SECONDS[unit]
    most = int(LONGEST_DURATION.total_seconds()) // seconds
    amount = data.draw(st.integers(min_value=0, max_value=most))

    assert parse_duration(f"{amount}{unit}") == timedelta(seconds=amount * seconds)


@pytest.mark.parametrize(
    "written",
    ["3651d", "87601h", "315360001", 315360001, "99999999999d", 99999999999999999, "9" * 5000],
)
def test_parse_duration_refuses_a_duration_past_ten_years(written):
    with pytest.raises(ValueError, match="too long; a duration is at most 3650d"):
        parse_duration(written)


def test_ten_years_is_the_longest_duration():
    assert parse_duration("3650d") == parse_duration(315360000) == timedelta(days=3650)
    with pytest.raises(ValueError, match="too long"):
        parse_duration("3651d")
    # Leading zeros do not make a short duration too long.
    assert parse_duration("00000000000000000000015m") == timedelta(minutes=15)
