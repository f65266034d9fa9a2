"""Sort WeCom errcodes into what a sender should do next: retry, park, or give up."""

from __future__ import annotations

from enum import Enum

TOKEN_INVALID = 40014
TOKEN_EXPIRED = 42001
#: The access_token was revoked or ran out: fetch a new one and try the call once more.
TOKEN_ERRORS = frozenset({TOKEN_INVALID, TOKEN_EXPIRED})

SYSTEM_BUSY = -1
RATE_LIMITED = 45009
WINDOW_SPENT = 95001  # 48 h passed, or 5 messages sent since the customer last wrote
SESSION_TAKEN = 95018  # a human 接待人员 holds the kf session (state 3)
BAD_SECRET = 40001
UNTRUSTED_IP = 60020
ALL_RECIPIENTS_INVALID = 81013
OAUTH_CODE_INVALID = 40029  # an OAuth code invalid, used already, or older than five minutes


class Outcome(Enum):
    """What to do with a call that did not succeed."""

    RETRY = "retry"  # back off and send again; the msgid or duplicate check keeps it single
    PARK = "park"  # keep it until the retailer writes again and reopens the reply window
    FAIL = "fail"  # a retry cannot help: dead-letter it and alert someone


_RETRY = frozenset({SYSTEM_BUSY, RATE_LIMITED}) | TOKEN_ERRORS
_PARK = frozenset({WINDOW_SPENT, SESSION_TAKEN})


def classify(errcode: int) -> Outcome:
    """Return what a sender should do after a call answered with this nonzero errcode."""
    # A token error that survives the client's one refresh is a race with a revocation,
    # so it is worth another try later; anything unknown is permanent until a person looks.
    if errcode in _RETRY:
        return Outcome.RETRY
    if errcode in _PARK:
        return Outcome.PARK
    return Outcome.FAIL


class WecomApiError(Exception):
    """A WeCom call did not succeed; outcome says what to do next. Never carries content."""

    def __init__(self, path: str, errcode: int | None, errmsg: str, outcome: Outcome) -> None:
        super().__init__(f"{path}: errcode {errcode}: {errmsg}")
        self.path = path
        self.errcode = errcode
        self.errmsg = errmsg
        self.outcome = outcome


def failure(path: str, errcode: int, errmsg: str) -> WecomApiError:
    """Return the error for a nonzero errcode, classified."""
    return WecomApiError(path, errcode, errmsg, classify(errcode))
