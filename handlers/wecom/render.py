"""Turn desk notices into 微信客服 messages for retailers and app messages for staff."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from desk.content import ContentKind
from desk.notices import Attachment, Button, Notice, NoticeKind
from handlers.catalog.filling import Filler
from handlers.wecom.texts import say

# WeCom counts UTF-8 bytes: a kf text or an app text takes 2048.
MAX_TEXT_BYTES = 2048
MAX_MENU_HEAD_BYTES = 1024
MAX_MENU_ITEM_BYTES = 128
MAX_MENU_ITEMS = 10
# A card shows a short title and a few lines; a longer text goes before it as a text message.
MAX_CARD_TITLE = 26
MAX_CARD_TEXT = 112
MAX_CARD_BUTTONS = 6
# The channels of one WeCom corp share its media: a media_id from either is good for both.
CORP_CHANNELS = frozenset({"wechat", "wecom"})
MEDIA_TYPES = {
    ContentKind.PHOTO: "image",
    ContentKind.VOICE: "voice",
    ContentKind.DOCUMENT: "file",
    ContentKind.VIDEO: "video",
}
# What the desk's buttons mean, in the keys the app's callback reads back.
CARD_KEYS = {"on": "ok", "res": "done"}
TICKET_CARDS = frozenset(
    {
        NoticeKind.QUESTION,
        NoticeKind.FOLLOWUP,
        NoticeKind.REMINDER,
        NoticeKind.ESCALATION,
        NoticeKind.NUDGE,
        NoticeKind.REASSIGNED,
    }
)


@dataclass(frozen=True)
class Text:
    """A text message."""

    content: str


@dataclass(frozen=True)
class Menu:
    """A kf msgmenu: a text with choices the customer taps; a tap comes back as its id."""

    head: str
    choices: tuple[tuple[str, str], ...]  # (id, label)


@dataclass(frozen=True)
class Card:
    """An app template card with buttons (button_interaction); its task_id is set on sending."""

    title: str
    text: str
    buttons: tuple[tuple[str, str], ...]  # (key, label)

    def body(self, task_id: str) -> dict[str, Any]:
        """Return the template_card body WeCom takes."""
        return {
            "card_type": "button_interaction",
            "main_title": {"title": self.title},
            "sub_title_text": self.text,
            "task_id": task_id,
            "button_list": [{"text": label, "style": 1, "key": key} for key, label in self.buttons],
        }


@dataclass(frozen=True)
class Media:
    """A media message by a media_id the corp already has."""

    msgtype: str
    media_id: str


@dataclass(frozen=True)
class Upload:
    """A file to upload first, then send by its new media_id."""

    msgtype: str
    attachment: Attachment


Part = Text | Menu | Card | Media | Upload


def cut(text: str, limit: int) -> str:
    """Cut a text to at most `limit` UTF-8 bytes, never inside a character, marking the cut."""
    if len(text.encode()) <= limit:
        return text
    budget = limit - len("…".encode())
    kept, used = [], 0
    for char in text:
        used += len(char.encode())
        if used > budget:
            break
        kept.append(char)
    return "".join(kept) + "…"


def shorten(text: str, limit: int) -> str:
    """Cut a text to at most `limit` characters, marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def label(lang: str, button: Button) -> str:
    """Return a button's label; one such as "#{ticket}" takes the number from its data."""
    # str.format ignores what a label does not name, so every label may be given the number.
    number = button.data.partition(":")[2].partition(":")[0]
    return say(lang, button.label, ticket=number)


def card_key(data: str) -> str:
    """Return the key a card button carries for the desk's button data."""
    head, sep, rest = data.partition(":")
    return f"{CARD_KEYS[head]}:{rest}" if sep and head in CARD_KEYS else data


class Renderer(Filler):
    """Render notices as kf and app messages, in the desk's timezone and each reader's language."""

    def __init__(self, timezone: ZoneInfo) -> None:
        super().__init__(timezone, say)

    def text(self, notice: Notice, *, repeat: bool = False) -> str:
        """Fill the notice's catalog text, marked when it goes out again."""
        text = super().text(notice)
        return f"{say(notice.lang, 'repeat')} {text}" if repeat else text

    def _media(self, notice: Notice) -> Media | Upload | None:
        if notice.attachment is not None:
            kind = "image" if notice.attachment.as_photo else "file"
            return Upload(kind, notice.attachment)
        source = notice.copy_of
        if source is None or source.kind not in MEDIA_TYPES:
            return None
        origin = source.origin
        if origin is not None and origin.channel in CORP_CHANNELS and source.file:
            return Media(MEDIA_TYPES[source.kind], source.file)
        # From another channel: its file cannot be fetched yet, so the text names it instead.
        return None

    def for_retailer(self, notice: Notice, *, repeat: bool = False) -> tuple[Part, ...]:
        """Return the kf messages that deliver a notice to a retailer, in order."""
        media = self._media(notice)
        if notice.attachment is not None:
            caption = notice.params.get("text")
            text = caption if isinstance(caption, str) else ""
        else:
            text = self.text(notice, repeat=repeat)
        parts: list[Part] = []
        if notice.buttons:
            choices = tuple(
                (b.data, cut(label(notice.lang, b), MAX_MENU_ITEM_BYTES))
                for b in notice.buttons[:MAX_MENU_ITEMS]
            )
            parts.append(Menu(cut(text, MAX_MENU_HEAD_BYTES), choices))
        elif text:
            parts.append(Text(cut(text, MAX_TEXT_BYTES)))
        if media is not None:
            parts.append(media)
        return tuple(parts)

    def for_staff(self, notice: Notice, *, repeat: bool = False) -> tuple[Part, ...]:
        """Return the app messages that deliver a notice to a staff member, in order."""
        media = self._media(notice)
        if notice.attachment is not None:
            caption = notice.params.get("text")
            text = caption if isinstance(caption, str) else ""
        else:
            text = self.text(notice, repeat=repeat)
        buttons = self._buttons(notice)
        parts: list[Part] = []
        if buttons:
            title, _, rest = text.partition("\n")
            rest = rest.strip()
            if len(title) > MAX_CARD_TITLE or len(rest) > MAX_CARD_TEXT:
                # The card would cut the question short: the whole text goes first.
                parts.append(Text(cut(text, MAX_TEXT_BYTES)))
            card_text = shorten(" ".join(rest.split()), MAX_CARD_TEXT)
            parts.append(Card(shorten(title, MAX_CARD_TITLE), card_text, buttons))
        elif text:
            parts.append(Text(cut(text, MAX_TEXT_BYTES)))
        if media is not None:
            parts.append(media)
        return tuple(parts)

    def _buttons(self, notice: Notice) -> tuple[tuple[str, str], ...]:
        buttons: list[Button] = list(notice.buttons)
        if notice.kind in TICKET_CARDS and notice.ticket_id is not None:
            buttons.append(Button("button.reply", f"reply:{notice.ticket_id}"))
        if not notice.buttons and notice.kind not in TICKET_CARDS:
            return ()
        labelled = [(card_key(b.data), label(notice.lang, b)) for b in buttons]
        return tuple(labelled[:MAX_CARD_BUTTONS])
