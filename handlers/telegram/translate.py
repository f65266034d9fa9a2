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
    return chat_of(chat.id)


def chat_of(chat_id: int) -> Address:
    """Return a Telegram chat as the desk addresses it: its id, as a string."""
    return Address(CHANNEL, str(chat_id))


def telegram_chat(address: Address) -> int:
    """Return the Telegram chat id of a desk address on this channel."""
    return int(address.chat)


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
    return Content(
        kind,
        text,
        chat_of(message.chat_id),
        str(message.message_id),
        file=_file_of(message),
        size=_size_of(message),
    )


def _file_of(message: Message) -> str | None:
    """Return Telegram's file id of the message's media, for fetching it from another channel."""
    media = message.effective_attachment
    if isinstance(media, tuple):
        # Photos come in several sizes, smallest first: the largest is the one worth passing on.
        media = media[-1] if media else None
    return getattr(media, "file_id", None)


def _size_of(message: Message) -> int | None:
    """Return the media's size in bytes, when Telegram gives it."""
    media = message.effective_attachment
    if isinstance(media, tuple):
        media = media[-1] if media else None
    size = getattr(media, "file_size", None)
    return size if isinstance(size, int) else None
