"""Turn desk notices into the Telegram call that delivers them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from desk.content import ContentKind
from desk.flood import units
from desk.notices import Attachment, Button, Notice, NoticeKind
from handlers.telegram.texts import say
from handlers.telegram.translate import CHANNEL, telegram_chat

TIME_KEYS = ("due", "eta", "until")
MAX_CAPTION = 1024
MAX_TEXT = 4096

Markup = dict[str, Any]
"""An inline keyboard as the Bot API's JSON: {"inline_keyboard": [[{"text", "callback_data"}]]}."""


@dataclass(frozen=True)
class TextOut:
    """Send a text message."""

    text: str
    markup: Markup | None = None


@dataclass(frozen=True)
class CopyOut:
    """Copy a media message from another chat, with a new caption."""

    from_chat_id: int
    message_id: int
    caption: str | None
    markup: Markup | None = None


@dataclass(frozen=True)
class FileOut:
    """Upload a chart as a photo or a table as a document."""

    attachment: Attachment
    caption: str | None = None


Outgoing = TextOut | CopyOut | FileOut


def clip(text: str, limit: int) -> str:
    """Cut a text to at most `limit` UTF-16 units (Telegram's measure), marking the cut."""
    if units(text) <= limit:
        return text
    kept, used = [], 1  # room for the ellipsis
    for char in text:
        used += units(char)
        if used > limit:
            break
        kept.append(char)
    return "".join(kept) + "…"


def humanize(seconds: float, lang: str) -> str:
    """Say a duration the way people do: '45 秒', '12 分钟', '1 小时 5 分钟'."""
    total = max(int(seconds), 0)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    zh = lang != "en"
    if hours:
        return f"{hours} 小时 {minutes} 分钟" if zh else f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} 分钟" if zh else f"{minutes} min"
    return f"{secs} 秒" if zh else f"{secs} s"


class Renderer:
    """Render notices in the desk's timezone and each recipient's language."""

    def __init__(self, timezone: ZoneInfo) -> None:
        self.timezone = timezone

    def local_time(self, iso: str | None) -> str:
        """Show a stored moment as local date and time."""
        if not iso:
            return "-"
        return datetime.fromisoformat(iso).astimezone(self.timezone).strftime("%m-%d %H:%M")

    def local_date(self, iso: str | None) -> str:
        """Show a stored local date the way local_time shows its date."""
        return date.fromisoformat(iso).strftime("%m-%d") if iso else "-"

    def render(self, notice: Notice, *, repeat: bool = False) -> Outgoing:
        """Return the call that delivers a notice."""
        if notice.attachment is not None:
            # Media relayed from another channel carries the whole notice as its caption.
            caption = self.text(notice) if notice.copy_of else notice.params.get("text")
            return FileOut(notice.attachment, clip(caption, MAX_CAPTION) if caption else None)
        text = self.text(notice)
        if repeat:
            text = f"{say(notice.lang, 'repeat')} {text}"
        markup = self.keyboard(notice.buttons, notice.lang)
        source = notice.copy_of
        origin = source.origin if source is not None else None
        if source is not None and origin is not None and source.message is not None:
            if source.kind is ContentKind.LOCATION:
                # A location takes no caption; the text already carries its coordinates.
                return TextOut(clip(text, MAX_TEXT), markup)
            if origin.channel == CHANNEL:
                caption = clip(text, MAX_CAPTION)
                return CopyOut(telegram_chat(origin), int(source.message), caption, markup)
        return TextOut(clip(text, MAX_TEXT), markup)

    def text(self, notice: Notice) -> str:
        """Fill the notice's catalog text."""
        params: dict[str, Any] = dict(notice.params)
        lang = notice.lang
        for key in TIME_KEYS:
            if key in params:
                params[key] = self.local_time(params[key])
        if "waited" in params:
            params["waited"] = humanize(params["waited"], lang)
        if "notified" in params:
            params["notified"] = "、".join(params["notified"]) or say(lang, "nobody")
        if "content" in params and params["content"] != ContentKind.TEXT.value:
            label = say(lang, f"content.{params['content']}")
            params["text"] = f"{label} {params.get('text', '')}".strip()
        key = notice.kind.value
        if notice.kind is NoticeKind.ACK and "covering_for" in params:
            key = "ack.cover"
        if notice.kind is NoticeKind.FOLLOWUP and int(params.get("count", 1)) > 1:
            key = "followup.batch"
        if "expected" in params:
            params["expected"] = self.local_date(params["expected"])
        # A notice that says one of several things names its text: "supply_answer.refused.quota".
        if params.get("variant"):
            key = f"{key}.{params['variant']}"
        return say(lang, key, **params)

    def keyboard(self, buttons: tuple[Button, ...], lang: str) -> Markup | None:
        """Build the inline keyboard, labels in the recipient's language."""
        if not buttons:
            return None
        # Plain JSON, not PTB's objects: a keyboard of those costs 20 times as much to send.
        row = [{"text": say(lang, b.label), "callback_data": b.data} for b in buttons]
        return {"inline_keyboard": [row]}
