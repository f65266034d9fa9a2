"""The 微信客服 reply window: 48 hours and 5 messages from the customer's last message."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import Enum

from desk.notices import NoticeKind
from storage.kf_windows import WindowRow

REPLY_WINDOW = timedelta(hours=48)
PER_WINDOW = 5
# Extras go out only while this many messages stay free for the answers still to come.
KEPT_FOR_ANSWERS = 2
#: Nice to have: dropped, never held, when the window has no room to spare for them.
EXTRAS = frozenset({NoticeKind.GUIDE_SUGGEST, NoticeKind.RATE_ASK, NoticeKind.SLOW_DOWN})


class Verdict(Enum):
    """What to do with a message to a customer now."""

    SEND = "send"
    HOLD = "hold"  # keep it for the customer's next window
    SKIP = "skip"  # an extra there is no room for


def room(window: WindowRow, now: datetime) -> int:
    """Return how many more messages the window takes now (0 once closed)."""
    if window.last_in_at is None or now - window.last_in_at >= REPLY_WINDOW:
        return 0
    return max(PER_WINDOW - window.sent, 0)


def verdict(window: WindowRow, now: datetime, kind: NoticeKind, parts: int = 1) -> Verdict:
    """Decide whether a notice of `parts` messages goes out now, waits, or is dropped."""
    free = room(window, now)
    if kind in EXTRAS:
        return Verdict.SEND if free >= parts + KEPT_FOR_ANSWERS else Verdict.SKIP
    return Verdict.SEND if free >= parts else Verdict.HOLD


def closes_at(window: WindowRow) -> datetime | None:
    """Return when the window closes by time, if the customer ever wrote."""
    return None if window.last_in_at is None else window.last_in_at + REPLY_WINDOW
