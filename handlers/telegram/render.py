"""Turn desk notices into the Telegram call that delivers them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from desk.content import ContentKind
from desk.flood import units
from desk.notices import Attachment, Button, Notice
from handlers.catalog.filling import Filler
from handlers.telegram.texts import say
from handlers.telegram.translate import CHANNEL, telegram_chat

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


class Renderer(Filler):
    """Render notices as Bot API calls, in the desk's timezone and each recipient's language."""

    def __init__(self, timezone: ZoneInfo) -> None:
        super().__init__(timezone, say)

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

    def keyboard(self, buttons: tuple[Button, ...], lang: str) -> Markup | None:
        """Build the inline keyboard, labels in the recipient's language."""
        if not buttons:
            return None
        # Plain JSON, not PTB's objects: a keyboard of those costs 20 times as much to send.
        row = [{"text": say(lang, b.label), "callback_data": b.data} for b in buttons]
        return {"inline_keyboard": [row]}
