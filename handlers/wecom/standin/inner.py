"""Write the decrypted callback messages WeCom sends: kf notices, member texts, card presses."""

from __future__ import annotations

from datetime import datetime
from xml.sax.saxutils import escape


def _field(tag: str, value: str | int) -> str:
    if isinstance(value, int):
        return f"<{tag}>{value}</{tag}>"
    # CDATA cannot hold "]]>"; escaped text reads the same to any XML parser.
    if "]]>" in value:
        return f"<{tag}>{escape(value)}</{tag}>"
    return f"<{tag}><![CDATA[{value}]]></{tag}>"


def _xml(*fields: tuple[str, str | int]) -> bytes:
    return ("<xml>" + "".join(_field(tag, value) for tag, value in fields) + "</xml>").encode()


def kf_notice(corp_id: str, at: datetime, token: str, open_kfid: str) -> bytes:
    """Return a kf_msg_or_event callback: something waits in open_kfid's sync log."""
    return _xml(
        ("ToUserName", corp_id),
        ("CreateTime", int(at.timestamp())),
        ("MsgType", "event"),
        ("Event", "kf_msg_or_event"),
        ("Token", token),
        ("OpenKfId", open_kfid),
    )


def app_text(
    corp_id: str, userid: str, at: datetime, msg_id: int, agent_id: int, text: str
) -> bytes:
    """Return the callback for a text a member wrote to the app."""
    return _xml(
        ("ToUserName", corp_id),
        ("FromUserName", userid),
        ("CreateTime", int(at.timestamp())),
        ("MsgType", "text"),
        ("Content", text),
        ("MsgId", msg_id),
        ("AgentID", agent_id),
    )


def app_image(
    corp_id: str, userid: str, at: datetime, msg_id: int, agent_id: int, media_id: str
) -> bytes:
    """Return the callback for a photo a member sent to the app."""
    return _xml(
        ("ToUserName", corp_id),
        ("FromUserName", userid),
        ("CreateTime", int(at.timestamp())),
        ("MsgType", "image"),
        ("PicUrl", f"https://wework.qpic.cn/standin/{media_id[:12]}"),
        ("MediaId", media_id),
        ("MsgId", msg_id),
        ("AgentID", agent_id),
    )


def card_press(
    corp_id: str, userid: str, at: datetime, agent_id: int, event_key: str, task_id: str
) -> bytes:
    """Return the template_card_event for a button a member pressed."""
    return _xml(
        ("ToUserName", corp_id),
        ("FromUserName", userid),
        ("CreateTime", int(at.timestamp())),
        ("MsgType", "event"),
        ("Event", "template_card_event"),
        ("EventKey", event_key),
        ("TaskId", task_id),
        ("CardType", "button_interaction"),
        ("ResponseCode", f"rc-{task_id}"),
        ("AgentID", agent_id),
    )
