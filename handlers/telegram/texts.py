"""Every text a Telegram user sees: the shared catalog, and Telegram's own words on top."""

# Message catalogs: one text per line reads better than wrapped fragments.

from __future__ import annotations

from typing import Any

from handlers.catalog import DEFAULT_LANG
from handlers.catalog import EN as SHARED_EN
from handlers.catalog import ZH as SHARED_ZH

# Only what works differently on Telegram: the contact button, and replying by long-press.
TELEGRAM_ZH: dict[str, str] = {
    "bot.description": "RetailDesk：零售户 24 小时联系自己的客户经理。每个问题都会立刻转给客户经理，超时未答会提醒、转给代班同事和主管。已登记的零售户直接发消息即可；新用户请点“开始”，再分享手机号完成绑定。",
    "register": "您好！本服务仅对已登记的零售户开放。请点击下方按钮分享您的手机号完成绑定，或联系您的客户经理登记。",
    "register.button": "📱 分享手机号绑定",
    "not_own_contact": "请分享您本人的手机号（点击下方按钮），不能使用他人的联系人。",
    "not_a_ticket": "请回复某个工单消息来答复零售户（在 Telegram 中长按消息选择“回复”），或写“#工单号 答复内容”，例如 #12 明早送到。",
}

TELEGRAM_EN: dict[str, str] = {
    "bot.description": "RetailDesk: retailers reach their own account manager around the clock. Every question reaches the manager at once; one left unanswered reminds them, then goes to a colleague and the supervisor. Registered retailers just write; newcomers, press Start and share your phone number to link your account.",
    "register": "Hello! This service is for registered retailers. Tap the button below to share your phone number, or ask your account manager to register you.",
    "register.button": "📱 Share my phone number",
    "not_own_contact": "Please share your own phone number with the button, not someone else's.",
    "not_a_ticket": "Reply to a ticket message to answer a retailer (long-press it, then Reply), or write '#ticket answer', e.g. #12 delivered tomorrow morning.",
}

ZH: dict[str, str] = {**SHARED_ZH, **TELEGRAM_ZH}
EN: dict[str, str] = {**SHARED_EN, **TELEGRAM_EN}
CATALOGS: dict[str, dict[str, str]] = {"zh": ZH, "en": EN}


def pick_lang(language_code: str | None) -> str:
    """Choose a catalog from a Telegram language code; Chinese unless it says English."""
    return "en" if language_code and language_code.lower().startswith("en") else DEFAULT_LANG


def say(lang: str, key: str, **params: Any) -> str:
    """Return a catalog text filled with params, falling back to Chinese."""
    catalog = CATALOGS.get(lang, ZH)
    return catalog.get(key, ZH[key]).format(**params)
