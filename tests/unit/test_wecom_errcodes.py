"""WeCom errcodes sorted into retry, park for the next window, or fail."""

from __future__ import annotations

import pytest

from handlers.wecom.errcodes import Outcome, classify


@pytest.mark.parametrize("errcode", [-1, 45009, 40014, 42001])
def test_passing_trouble_is_retried(errcode):
    assert classify(errcode) is Outcome.RETRY


@pytest.mark.parametrize("errcode", [95001, 95018])
def test_a_closed_window_or_a_taken_session_parks(errcode):
    assert classify(errcode) is Outcome.PARK


@pytest.mark.parametrize("errcode", [40001, 60020, 81013, 40058, 12345])
def test_everything_else_fails_for_a_person_to_look_at(errcode):
    assert classify(errcode) is Outcome.FAIL
