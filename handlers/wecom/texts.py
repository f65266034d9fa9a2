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

ZH: dict[str, str] = {**SHARED_ZH, **WECOM_ZH}
EN: dict[str, str] = {**SHARED_EN, **WECOM_EN}
CATALOGS: dict[str, dict[str, str]] = {"zh": ZH, "en": EN}


def say(lang: str, key: str, **params: Any) -> str:
    """Return a catalog text filled with params, falling back to Chinese."""
    catalog = CATALOGS.get(lang if lang in CATALOGS else DEFAULT_LANG, ZH)
    return catalog.get(key, ZH[key]).format(**params)
