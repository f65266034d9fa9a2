"""The 微信客服 reply window on a fake clock: 48 hours, 5 messages, extras only with room to spare."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from desk.notices import NoticeKind
from handlers.wecom.window import KEPT_FOR_ANSWERS, Verdict, closes_at, room, verdict
from storage.kf_windows import WindowRow
from tests.unit.fakes import FakeClock

WROTE = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(WROTE)


def test_a_customer_who_never_wrote_has_no_room(clock):
    assert room(WindowRow(None, 0), clock.now()) == 0
    assert verdict(WindowRow(None, 0), clock.now(), NoticeKind.ANSWER) is Verdict.HOLD


def test_the_window_takes_five_messages(clock):
    assert [room(WindowRow(WROTE, sent), clock.now()) for sent in range(7)] == [5, 4, 3, 2, 1, 0, 0]
    assert verdict(WindowRow(WROTE, 4), clock.now(), NoticeKind.ANSWER) is Verdict.SEND
    assert verdict(WindowRow(WROTE, 5), clock.now(), NoticeKind.ANSWER) is Verdict.HOLD


def test_the_window_closes_48_hours_after_the_customers_last_message(clock):
    window = WindowRow(WROTE, 0)
    clock.advance(hours=47, minutes=59)
    assert verdict(window, clock.now(), NoticeKind.ANSWER) is Verdict.SEND
    clock.advance(minutes=1)
    assert verdict(window, clock.now(), NoticeKind.ANSWER) is Verdict.HOLD
    assert closes_at(window) == WROTE + timedelta(hours=48)


def test_a_notice_of_two_messages_needs_room_for_both(clock):
    assert verdict(WindowRow(WROTE, 3), clock.now(), NoticeKind.ANSWER, parts=2) is Verdict.SEND
    assert verdict(WindowRow(WROTE, 4), clock.now(), NoticeKind.ANSWER, parts=2) is Verdict.HOLD


@pytest.mark.parametrize("kind", [NoticeKind.GUIDE_SUGGEST, NoticeKind.RATE_ASK])
def test_extras_go_only_while_room_is_kept_for_answers(clock, kind):
    # The acknowledgement took one; a guide suggestion may take the next while 2 stay free.
    last_free = 5 - 1 - KEPT_FOR_ANSWERS
    assert verdict(WindowRow(WROTE, last_free - 1), clock.now(), kind) is Verdict.SEND
    assert verdict(WindowRow(WROTE, last_free), clock.now(), kind) is Verdict.SEND
    assert verdict(WindowRow(WROTE, last_free + 1), clock.now(), kind) is Verdict.SKIP
    # An answer at the same point still goes out.
    assert verdict(WindowRow(WROTE, last_free + 1), clock.now(), NoticeKind.ANSWER) is Verdict.SEND


def test_an_extra_is_skipped_not_held_once_the_window_closed(clock):
    clock.advance(hours=49)
    assert verdict(WindowRow(WROTE, 0), clock.now(), NoticeKind.GUIDE_SUGGEST) is Verdict.SKIP
