"""Read Telegram updates into the desk's channel-neutral terms."""

from __future__ import annotations

from telegram import Message, Update

from desk.commands import Inbound
from desk.content import Content, ContentKind
from desk.people import Address

CHANNEL = "telegram"


def address_of(update: Update) -> Address | None:
    """Return the private chat an update came from, or None for groups and channels."""
    chat = update.effective_chat
    if chat is None or chat.type != chat.PRIVATE:
        return None
    return Address(CHANNEL, chat.id)


def inbound_of(update: Update) -> Inbound:
    """Return the update's identity, so the desk applies it once."""
    return Inbound(CHANNEL, update.update_id)


def content_of(message: Message) -> Content | None:
    """Return the message's content, or None when the desk cannot relay that kind."""
    caption = message.caption or ""
    kind: ContentKind | None = None
    text = caption
    if message.text is not None:
        kind, text = ContentKind.TEXT, message.text
    elif message.photo:
        kind = ContentKind.PHOTO
    elif message.voice is not None or message.audio is not None:
        kind = ContentKind.VOICE
    elif message.document is not None:
        kind = ContentKind.DOCUMENT
        text = caption or message.document.file_name or ""
    elif message.video is not None:
        kind = ContentKind.VIDEO
    elif message.location is not None:
        where = message.location
        kind = ContentKind.LOCATION
        text = f"📍 {where.latitude:.5f}, {where.longitude:.5f}"
    if kind is None:
        return None
    return Content(kind, text, message.chat_id, message.message_id)
