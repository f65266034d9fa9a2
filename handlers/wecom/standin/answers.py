"""Shape the stand-in's answers the way WeCom does: HTTP 200, an errcode and an errmsg."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

JSON = dict[str, Any]

# Wording as WeCom writes it where known (doc 90313); the kf ones are this stand-in's own.
_TEXTS = {
    -1: "system busy",
    40001: "invalid credential",
    40007: "invalid media_id",
    40014: "invalid access_token",
    40029: "invalid code",
    40056: "invalid agentid",
    41001: "access_token missing",
    42001: "access_token expired",
    45002: "content size out of limit",
    45009: "api freq out of limit",
    47001: "data format error",
    60020: "not allow to access from your ip",
    81013: "user & party & tag all invalid",
    95001: "send msg count limit exceed",
    95018: "send msg not allowed in current session state",
}

#: Not confirmed against WeCom: the errcode for a reused kf msgid, an unknown cursor,
#: a spent or late welcome_code and other bad kf parameters. WECOM.md lists it as open.
INVALID_PARAMETER = 40058
#: Not confirmed against WeCom: the errcode for a sync token that is unknown or older than 10 min.
INVALID_SYNC_TOKEN = 95007
_TEXTS[INVALID_PARAMETER] = "invalid parameter"
_TEXTS[INVALID_SYNC_TOKEN] = "invalid msg token"


class RefusedError(Exception):
    """A call the stand-in answers with a nonzero errcode."""

    def __init__(self, errcode: int, detail: str = "") -> None:
        super().__init__(f"{errcode} {detail}")
        self.errcode = errcode
        self.detail = detail


def ok(**fields: Any) -> JSON:
    """Return a success envelope with these fields."""
    return {"errcode": 0, "errmsg": "ok", **fields}


def failure(refusal: RefusedError) -> JSON:
    """Return the error envelope WeCom would send, hint and help link included."""
    text = _TEXTS.get(refusal.errcode, "unknown error")
    if refusal.detail:
        text = f"{text}, {refusal.detail}"
    hint = f"{secrets.randbelow(10**10):010d}_{secrets.token_hex(4)}"
    return {
        "errcode": refusal.errcode,
        "errmsg": (
            f"{text}, hint: [{hint}], from ip: 127.0.0.1, more info at "
            f"https://open.work.weixin.qq.com/devtool/query?e={refusal.errcode}"
        ),
    }


@dataclass(frozen=True)
class Call:
    """One API call as the stand-in saw it, so a test can read the exchange back."""

    at: datetime
    path: str
    query: dict[str, str]
    request: JSON | None
    errcode: int
