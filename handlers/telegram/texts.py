"""Every text a retailer or manager sees, in Simplified Chinese and English."""

from __future__ import annotations

from typing import Any

from handlers.telegram import field_texts

DEFAULT_LANG = "zh"

ZH: dict[str, str] = {
    "ack": "已收到您的问题（工单 #{ticket}）。您的客户经理{manager}会在 {due} 前回复您。",
    "ack.cover": "已收到您的问题（工单 #{ticket}）。{covering_for}休假期间由{manager}代为服务，"
    "会在 {due} 前回复您。",
    "question": "🆕 工单 #{ticket} · {retailer}（{shop}）\n{text}\n\n↩️ 回复本消息即可答复零售户。",
    "followup": "➕ 工单 #{ticket} · {retailer}（{shop}）补充：\n{text}",
    "followup.batch": "➕ 工单 #{ticket} · {retailer}（{shop}）又发来 {count} 条消息：\n{text}",
    "slow_down": "消息已全部收到（工单 #{ticket}），{manager}会一并查看。请稍等答复，不必重复发送。",
    "answer": "{staff}：{text}",
    "eta": "{manager}正在处理您的问题，预计 {eta} 前答复您。",
    "resolved": "工单 #{ticket} 已由{manager}标记为已解决。如有新问题，直接发消息即可。",
    "reminder": "⏰ 提醒：工单 #{ticket} · {retailer}（{shop}）已等待 {waited}，尚未答复。\n{question}",
    "escalation": "🚨 升级（第 {step} 级）：工单 #{ticket} · {retailer}（{shop}）\n"
    "客户经理：{manager}，已等待 {waited}\n已通知：{notified}\n问题：\n{question}\n\n"
    "↩️ 回复本消息即可直接答复零售户。",
    "handover": "🔁 交接：{manager}休假至 {until}，期间由{covering}代为服务。",
    "welcome": "{name}，您好！绑定成功。您的客户经理是{manager}，有任何问题直接发消息即可，24 小时有人跟进。",
    "report": "{text}",
    "repeat": "（重发）",
    "nobody": "无",
    "repeated": "已处理过了。",
    "register": "您好！本服务仅对已登记的零售户开放。请点击下方按钮分享您的手机号完成绑定，"
    "或联系您的客户经理登记。",
    "register.button": "📱 分享手机号绑定",
    "not_own_contact": "请分享您本人的手机号（点击下方按钮），不能使用他人的联系人。",
    "unknown_phone": "没有找到这个手机号的登记信息，请联系您的客户经理登记。",
    "already_linked": "这个手机号已经绑定了另一个 Telegram 账号。如需改用这个账号，请联系您的客户经理确认。",
    "link_tried": "⚠️ {name}，有另一个 Telegram 账号分享了您的手机号，想绑定您的账户。绑定没有改变，"
    "您的客户经理{manager}已收到通知。如果是您本人换了账号，请让{manager}确认。",
    "link_claimed": "⚠️ 另一个 Telegram 账号分享了{retailer}（{shop}）的手机号，想绑定该零售户。"
    "绑定没有改变，原账号仍在使用。\n确认是本人换了账号后，再点下方按钮改绑到新账号。",
    "link_moved": "{name}，您好！客户经理{manager}已确认，您的账户现在绑定到这个 Telegram 账号，"
    "有任何问题直接发消息即可。",
    "link_left": "{name}，您的账户已由客户经理{manager}改绑到另一个 Telegram 账号，这里的消息将不再转给经理。"
    "如非本人操作，请立即联系{manager}。",
    "link.moved": "已改绑，新旧两个账号都已收到通知。",
    "link.not_yours": "这位零售户不归您负责，只有其客户经理可以改绑。",
    "link_changed": "这位零售户的绑定已经变过了，没有改动。",
    "button.move_link": "🔁 改绑到新账号",
    "not_a_ticket": "请回复某个工单消息来答复零售户（在 Telegram 中长按消息选择“回复”），"
    "或写“#工单号 答复内容”，例如 #12 明早送到。",
    "ticket.unknown": "没有工单 #{ticket}。",
    "not_yours": "这不是您负责的工单。",
    "no_chat": "这位零售户目前没有绑定 Telegram，消息无法送达，请电话联系。",
    "closed": "这个工单已经关闭。",
    "answer.closed": "这个工单已经关闭，您的回复没有发给零售户。零售户再发消息时会开新工单。",
    "answer.moved": "这位零售户已改由其他客户经理负责，您的回复没有发给零售户。",
    "nothing_waiting": "这个工单目前没有待答复的问题。",
    "choose_eta": "预计多久答复？零售户会收到您承诺的时间。",
    "eta_set": "已告知零售户，将在 {minutes} 分钟内答复。",
    "resolved_ok": "工单 #{ticket} 已关闭，已通知零售户。",
    "queue.empty": "您目前没有未结工单。👍",
    "queue.head": "您的未结工单（{count}）：",
    "queue.line": "#{ticket} · {retailer} · 已开 {age}{waiting}",
    "queue.waiting": " · ⏳ 待答复",
    "away.usage": "用法：/away 2026-12-03 m2（结束日期 和 代班同事的编号）。必须指定代班同事。",
    "away.ok": "已登记休假至 {until}，由{covering}代班。主管已收到通知。",
    "bad_colleague": "代班同事必须是另一位客户经理的编号，例如 m2。",
    "bad_date": "日期无效或已过去，请使用 YYYY-MM-DD 格式的将来日期。",
    "back.ok": "欢迎回来，休假已结束。",
    "not_away": "您当前没有登记休假。",
    "staff_only": "这个命令仅供客户经理和主管使用。",
    "report.supervisors": "/report 仅供主管查看团队汇总；您自己的数据请用 /mystats 查看。",
    "mystats.managers": "/mystats 仅供客户经理查看本人数据；团队汇总请用 /report 查看。",
    "report.bad_week": "周次格式不对，请写成 2026-W47 这样的 ISO 周。",
    "report.not_begun": "{week} 还没开始，没有可统计的内容。",
    "unrelayable": "这种消息无法转给零售户，请改用文字、图片、语音、文件或位置回复。",
    "unsupported": "暂不支持这种消息，请发送文字、图片、语音、文件或位置。",
    "too_long": "消息太长了（最多 {limit} 字），请分几条发送。",
    "groups": "请在与我的私聊中提问，群聊中的消息不会被处理。",
    "edited": "修改后的消息不会重新发送给客户经理，如需补充请发一条新消息。",
    "edited.staff": "修改后的消息不会重新发送给零售户，如需更正请再回复一条新消息。",
    "help.retailer": "直接发送您的问题（文字、图片、语音、文件或位置），客户经理会尽快答复。\n"
    "/order 品牌 数量 备注 订货\n/guide 经营指南\n/complain 向主管保密投诉，/done 结束\n/lang en English",
    "help.staff": "回复工单消息即可答复零售户，或写“#工单号 答复内容”。\n/queue 查看未结工单\n/away 日期 同事 登记休假\n/back 结束休假\n/lang en English",
    "button.on_it": "🙋 处理中",
    "button.resolve": "✅ 已解决",
    "button.eta": "{minutes} 分钟",
    "button.stale": "这个按钮已失效。",
    "content.photo": "[图片]",
    "content.voice": "[语音]",
    "content.document": "[文件]",
    "content.location": "[位置]",
    "content.video": "[视频]",
}

EN: dict[str, str] = {
    "ack": "Got your question (ticket #{ticket}). Your manager {manager} will answer by {due}.",
    "ack.cover": "Got your question (ticket #{ticket}). {manager} is covering for {covering_for} "
    "and will answer by {due}.",
    "question": "🆕 Ticket #{ticket} · {retailer} ({shop})\n{text}\n\n↩️ Reply to this message to "
    "answer the retailer.",
    "followup": "➕ Ticket #{ticket} · {retailer} ({shop}) adds:\n{text}",
    "followup.batch": "➕ Ticket #{ticket} · {retailer} ({shop}) sent {count} more messages:\n{text}",
    "slow_down": "All your messages arrived (ticket #{ticket}) and {manager} will read them together. "
    "Please wait for the answer; there is no need to send them again.",
    "answer": "{staff}: {text}",
    "eta": "{manager} is on it and will answer by {eta}.",
    "resolved": "Ticket #{ticket} was marked resolved by {manager}. Just write to ask anything new.",
    "reminder": "⏰ Reminder: ticket #{ticket} · {retailer} ({shop}) has waited {waited} "
    "without an answer.\n{question}",
    "escalation": "🚨 Escalation (step {step}): ticket #{ticket} · {retailer} ({shop})\n"
    "Manager: {manager}, waiting {waited}\nAlready notified: {notified}\nQuestion:\n{question}\n\n"
    "↩️ Reply to this message to answer the retailer directly.",
    "handover": "🔁 Handover: {manager} is away until {until}; {covering} is covering.",
    "welcome": "Hello {name}, you are linked. Your manager is {manager}; write any time, "
    "someone follows up around the clock.",
    "report": "{text}",
    "repeat": "(repeat)",
    "nobody": "nobody",
    "repeated": "Already done.",
    "register": "Hello! This service is for registered retailers. Tap the button below to share "
    "your phone number, or ask your account manager to register you.",
    "register.button": "📱 Share my phone number",
    "not_own_contact": "Please share your own phone number with the button, not someone else's.",
    "unknown_phone": "That phone number is not on the roster; please ask your manager to add you.",
    "already_linked": "That phone number is already linked to another Telegram account. To use "
    "this account instead, please contact your account manager.",
    "link_tried": "⚠️ {name}, another Telegram account shared your phone number to link to your "
    "account. Nothing changed, and your manager {manager} was told. If that was you on a new "
    "account, ask {manager} to confirm it.",
    "link_claimed": "⚠️ Another Telegram account shared the phone number of {retailer} ({shop}) "
    "to link to them. Nothing changed; their current account stays linked.\nOnce you have "
    "confirmed it is them on a new account, press the button to move the link there.",
    "link_moved": "Hello {name}, your manager {manager} confirmed it: your account is now "
    "linked to this Telegram account. Write any time.",
    "link_left": "{name}, your manager {manager} moved your account to another Telegram "
    "account; messages here no longer reach your manager. If you did not ask for this, "
    "contact {manager} at once.",
    "link.moved": "Moved; both accounts were told.",
    "link.not_yours": "That retailer is not yours; only their manager can move the link.",
    "link_changed": "That retailer's link has changed since; nothing was moved.",
    "button.move_link": "🔁 Move to the new account",
    "not_a_ticket": "Reply to a ticket message to answer a retailer (long-press it, then Reply), "
    "or write '#ticket answer', e.g. #12 delivered tomorrow morning.",
    "ticket.unknown": "There is no ticket #{ticket}.",
    "not_yours": "That ticket is not yours.",
    "no_chat": "That retailer has no linked Telegram chat now, so nothing can be delivered; "
    "please call them.",
    "closed": "That ticket is already closed.",
    "answer.closed": "That ticket is closed, so your reply was not sent to the retailer. Their next message opens a new ticket.",
    "answer.moved": "That retailer is now with another account manager, so your reply was not sent to them.",
    "nothing_waiting": "Nothing is waiting for an answer on that ticket.",
    "choose_eta": "When will you answer? The retailer is told the time you pick.",
    "eta_set": "The retailer was told you will answer within {minutes} minutes.",
    "resolved_ok": "Ticket #{ticket} closed; the retailer was told.",
    "queue.empty": "You have no open tickets. 👍",
    "queue.head": "Your open tickets ({count}):",
    "queue.line": "#{ticket} · {retailer} · open {age}{waiting}",
    "queue.waiting": " · ⏳ waiting",
    "away.usage": "Usage: /away 2026-12-03 m2 (last day and the covering colleague's id). "
    "A colleague is required.",
    "away.ok": "Away until {until}; {covering} is covering. Your supervisor was told.",
    "bad_colleague": "The covering colleague must be another manager's id, such as m2.",
    "bad_date": "That date is invalid or past; use a future date as YYYY-MM-DD.",
    "back.ok": "Welcome back; your leave has ended.",
    "not_away": "You are not on leave.",
    "staff_only": "That command is for managers and supervisors only.",
    "report.supervisors": "/report is for supervisors' team summary; use /mystats for your "
    "own figures.",
    "mystats.managers": "/mystats is for managers' own figures; use /report for your team's "
    "summary.",
    "report.bad_week": "That week is not valid; write an ISO week such as 2026-W47.",
    "report.not_begun": "{week} has not begun yet; there is nothing to count.",
    "unrelayable": "That kind of message cannot be relayed to the retailer; reply with text, "
    "a photo, voice, a document or a location.",
    "unsupported": "That kind of message is not supported; send text, a photo, voice, "
    "a document or a location.",
    "too_long": "That message is too long (at most {limit} characters); please split it.",
    "groups": "Please ask in a private chat with me; group messages are not handled.",
    "edited": "Edits are not re-sent to your manager; send a new message to add something.",
    "edited.staff": "Edits are not re-sent to the retailer; reply again with a new message "
    "to correct something.",
    "help.retailer": "Just send your question (text, photo, voice, document or location); "
    "your manager will answer soon.\n/order BRAND QUANTITY NOTE place an order\n"
    "/guide retail guide\n/complain a confidential complaint to the supervisor, /done to end it\n"
    "/lang zh 中文",
    "help.staff": "Reply to a ticket message to answer, or write '#ticket answer'.\n/queue open tickets\n"
    "/away DATE COLLEAGUE set leave\n/back end leave\n/lang zh 中文",
    "button.on_it": "🙋 On it",
    "button.resolve": "✅ Resolve",
    "button.eta": "{minutes} min",
    "button.stale": "That button no longer works.",
    "content.photo": "[photo]",
    "content.voice": "[voice]",
    "content.document": "[document]",
    "content.location": "[location]",
    "content.video": "[video]",
}

ZH.update(field_texts.ZH)
EN.update(field_texts.EN)

CATALOGS: dict[str, dict[str, str]] = {"zh": ZH, "en": EN}


def pick_lang(language_code: str | None) -> str:
    """Choose a catalog from a Telegram language code; Chinese unless it says English."""
    return "en" if language_code and language_code.lower().startswith("en") else DEFAULT_LANG


def say(lang: str, key: str, **params: Any) -> str:
    """Return a catalog text filled with params, falling back to Chinese."""
    catalog = CATALOGS.get(lang, ZH)
    return catalog.get(key, ZH[key]).format(**params)
