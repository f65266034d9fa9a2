"""Every text a WeCom or 微信客服 user sees: the shared catalog, and WeCom's own words on top."""

# Message catalogs: one text per line reads better than wrapped fragments.

from __future__ import annotations

from typing import Any

from handlers.catalog import DEFAULT_LANG
from handlers.catalog import EN as SHARED_EN
from handlers.catalog import ZH as SHARED_ZH

# Only what the WeChat channels alone need: the personal link, and staff without replies.
WECOM_ZH: dict[str, str] = {
    "wechat.unlinked": "您好！请使用客户经理发给您的专属链接或二维码进入，绑定后即可在这里提问。",
    "wechat.link_taken": "这个账户已经绑定了另一个微信。如需改用这个微信，请联系您的客户经理。",
    "wechat.send_failed": "⚠️ 工单 #{ticket}：发给{retailer}的消息没有送达。请稍后再答复，或电话联系。",
    "wecom.answered": "✓ 已转给零售户（工单 #{ticket}）。",
    "wecom.complaint_answered": "✓ 已转给投诉人（投诉 #{complaint}）。",
    "wecom.which": "您有 {count} 个工单在等答复：{tickets}。这条消息答复哪一个？请点下方按钮选择，选好之前不会发出。",
    "wecom.replying": "好的，您的下一条消息将答复工单 #{ticket}。",
    "wecom.no_ticket": "您目前没有待答复的工单。答复时请写“#工单号 答复内容”，例如 #12 明早送到。",
    "wecom.help": "写“#工单号 答复内容”答复零售户，或点工单卡片上的「回复」后直接写。\n/queue 查看未结工单\n/away 2026-12-31 m2 休假并交给同事，/back 回来\n/console 打开控制台\n/lang en English",
}

WECOM_EN: dict[str, str] = {
    "wechat.unlinked": "Hello! Please open the personal link or QR code your account manager gave you; once linked, you can ask here.",
    "wechat.link_taken": "This account is already linked to another WeChat. To use this one instead, please ask your account manager.",
    "wechat.send_failed": "⚠️ Ticket #{ticket}: a message to {retailer} was not delivered. Please answer again later, or call.",
    "wecom.answered": "✓ Sent to the retailer (ticket #{ticket}).",
    "wecom.complaint_answered": "✓ Sent to the retailer who complained (complaint #{complaint}).",
    "wecom.which": "{count} tickets wait for your answer: {tickets}. Which one does this message answer? Pick it below; nothing is sent until you do.",
    "wecom.replying": "OK, your next message answers ticket #{ticket}.",
    "wecom.no_ticket": "No ticket waits for your answer. To answer, write “#ticket answer”, e.g. #12 delivered tomorrow morning.",
    "wecom.help": "Write “#ticket answer” to answer a retailer, or press “Reply” on a ticket card and write.\n/queue your open tickets\n/away 2026-12-31 m2 hand over while away, /back when back\n/console open the console\n/lang zh 中文",
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
_TICKET_TEXTS = ("question", "escalation", "low_rating", "nudge", "reassigned")
# A complaint is answered by its own number, "#C12 …", so it never meets a ticket's.
_COMPLAINT_ZH = {"↩️ 回复本消息即可答复零售户。": "↩️ 写“#C{complaint} 答复内容”即可答复零售户。"}
_COMPLAINT_EN = {
    "↩️ Reply to this message to answer the retailer.": "↩️ Write “#C{complaint} your answer” to answer the retailer."
}
_COMPLAINT_TEXTS = ("complaint", "complaint_nudge")


def _reworded(
    shared: dict[str, str], changes: dict[str, str], keys: tuple[str, ...] = _TICKET_TEXTS
) -> dict[str, str]:
    reworded = {}
    for key in keys:
        text = shared[key]
        for old, new in changes.items():
            text = text.replace(old, new)
        reworded[key] = text
    return reworded


WECOM_ZH |= _reworded(SHARED_ZH, _REPLY_ZH) | _reworded(SHARED_ZH, _COMPLAINT_ZH, _COMPLAINT_TEXTS)
WECOM_EN |= _reworded(SHARED_EN, _REPLY_EN) | _reworded(SHARED_EN, _COMPLAINT_EN, _COMPLAINT_TEXTS)

ZH: dict[str, str] = {**SHARED_ZH, **WECOM_ZH}
EN: dict[str, str] = {**SHARED_EN, **WECOM_EN}
CATALOGS: dict[str, dict[str, str]] = {"zh": ZH, "en": EN}


def say(lang: str, key: str, **params: Any) -> str:
    """Return a catalog text filled with params, falling back to Chinese."""
    catalog = CATALOGS.get(lang if lang in CATALOGS else DEFAULT_LANG, ZH)
    return catalog.get(key, ZH[key]).format(**params)
