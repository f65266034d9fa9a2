"""Every text a WeCom or 微信客服 user sees: the shared catalog, and WeCom's own words on top."""

# Message catalogs: one text per line reads better than wrapped fragments.

from __future__ import annotations

from typing import Any

from handlers.catalog import DEFAULT_LANG
from handlers.catalog import EN as SHARED_EN
from handlers.catalog import ZH as SHARED_ZH

# Only what works differently here: a card's "reply" button stands in for replying to a message.
WECOM_ZH: dict[str, str] = {
    "button.reply": "↩️ 回复",
    "button.pick": "#{ticket}",
}

WECOM_EN: dict[str, str] = {
    "button.reply": "↩️ Reply",
    "button.pick": "#{ticket}",
}

# The app has no replying to a message: a card's "Reply" button, or "#ticket answer", does it.
_REPLY_ZH = {
    "↩️ 回复本消息即可直接答复零售户。": "↩️ 点“回复”，或写“#{ticket} 答复内容”，即可直接答复零售户。",
    "↩️ 回复本消息即可答复零售户。": "↩️ 点“回复”，或写“#{ticket} 答复内容”，即可答复零售户。",
}
_REPLY_EN = {
    "↩️ Reply to this message to answer the retailer directly.": "↩️ Press “Reply”, or write “#{ticket} your answer”, to answer the retailer directly.",
    "↩️ Reply to this message to answer the retailer.": "↩️ Press “Reply”, or write “#{ticket} your answer”, to answer the retailer.",
}
_TICKET_TEXTS = ("question", "escalation", "low_rating")


def _reworded(shared: dict[str, str], changes: dict[str, str]) -> dict[str, str]:
    reworded = {}
    for key in _TICKET_TEXTS:
        text = shared[key]
        for old, new in changes.items():
            text = text.replace(old, new)
        reworded[key] = text
    return reworded


WECOM_ZH |= _reworded(SHARED_ZH, _REPLY_ZH)
WECOM_EN |= _reworded(SHARED_EN, _REPLY_EN)

ZH: dict[str, str] = {**SHARED_ZH, **WECOM_ZH}
EN: dict[str, str] = {**SHARED_EN, **WECOM_EN}
CATALOGS: dict[str, dict[str, str]] = {"zh": ZH, "en": EN}


def say(lang: str, key: str, **params: Any) -> str:
    """Return a catalog text filled with params, falling back to Chinese."""
    catalog = CATALOGS.get(lang if lang in CATALOGS else DEFAULT_LANG, ZH)
    return catalog.get(key, ZH[key]).format(**params)
