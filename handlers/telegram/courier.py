"""Deliver one rendered notice through the Bot API and classify what happened."""

from __future__ import annotations

from telegram import InputFile
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from desk.notices import Notice
from handlers.channel import Delivery
from handlers.telegram.deskbot import DeskBot
from handlers.telegram.render import CopyOut, FileOut, Outgoing, Renderer, TextOut
from handlers.telegram.translate import telegram_chat

UNREACHABLE_HINTS = ("chat not found", "user is deactivated", "bot can't initiate")


class Courier:
    """Send notices to Telegram chats."""

    channel = "telegram"

    def __init__(self, bot: DeskBot, renderer: Renderer) -> None:
        self.bot = bot
        self.renderer = renderer

    async def deliver(self, notice: Notice, *, repeat: bool = False) -> Delivery:
        """Send a notice and report how it went; never raise for Telegram errors."""
        try:
            outgoing = self.renderer.render(notice, repeat=repeat)
        except Exception as error:
            # A text this code cannot fill (a parameter missing) fails the same at every try:
            # the row fails alone, before anything reaches Telegram.
            return Delivery("failed", error=f"cannot render: {_named(error)}")
        try:
            sent = await self._send(telegram_chat(notice.address), outgoing)
            return Delivery("sent", str(sent))
        except RetryAfter as error:
            return Delivery("retry", error=str(error), retry_after=_seconds(error.retry_after))
        except Forbidden as error:
            return Delivery("unreachable", error=str(error))
        except BadRequest as error:
            gone = any(hint in str(error).lower() for hint in UNREACHABLE_HINTS)
            return Delivery("unreachable" if gone else "failed", error=str(error))
        except NetworkError as error:
            return Delivery("retry", error=str(error) or type(error).__name__)
        except TelegramError as error:
            return Delivery("failed", error=str(error))

    async def _send(self, chat_id: int, outgoing: Outgoing) -> int:
        if isinstance(outgoing, TextOut):
            params = {"chat_id": chat_id, "text": outgoing.text, "reply_markup": outgoing.markup}
            return await self.bot.send_for_id("sendMessage", params)
        if isinstance(outgoing, CopyOut):
            params = {
                "chat_id": chat_id,
                "from_chat_id": outgoing.from_chat_id,
                "message_id": outgoing.message_id,
                "caption": outgoing.caption,
                "reply_markup": outgoing.markup,
            }
            return await self.bot.send_for_id("copyMessage", params)
        return await self._upload(chat_id, outgoing)

    async def _upload(self, chat_id: int, outgoing: FileOut) -> int:
        upload = InputFile(outgoing.attachment.data, filename=outgoing.attachment.filename)
        if outgoing.attachment.as_photo:
            sent = await self.bot.send_photo(chat_id, upload, caption=outgoing.caption)
        else:
            sent = await self.bot.send_document(chat_id, upload, caption=outgoing.caption)
        return sent.message_id


def _named(error: Exception) -> str:
    """Name an error for logs and status without its message, which may quote a parameter."""
    # A missing catalog parameter is named by its key, which is no one's words.
    return (
        f"{type(error).__name__} {error}" if isinstance(error, KeyError) else type(error).__name__
    )


def _seconds(retry_after: object) -> float:
    total_seconds = getattr(retry_after, "total_seconds", None)
    return float(total_seconds()) if callable(total_seconds) else float(str(retry_after))
