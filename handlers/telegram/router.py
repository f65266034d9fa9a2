"""Compose every Telegram handler in one place, in the order they must match."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from handlers.telegram import buttons, conversation, field, guards, linking, reports, staff
from handlers.telegram.services import Context

log = logging.getLogger(__name__)

PRIVATE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE


def install(application: Application) -> None:  # type: ignore[type-arg]
    """Register the handlers and the error handler on a PTB application."""
    application.add_handlers(
        [
            MessageHandler(filters.UpdateType.EDITED, guards.on_edited),
            MessageHandler(filters.ChatType.GROUPS, guards.on_group_message),
            ChatMemberHandler(guards.on_membership, ChatMemberHandler.MY_CHAT_MEMBER),
            CommandHandler("start", conversation.on_start, filters=PRIVATE),
            CommandHandler("help", conversation.on_start, filters=PRIVATE),
            CommandHandler("queue", staff.on_queue),
            CommandHandler("away", staff.on_away),
            CommandHandler("back", staff.on_back),
            CommandHandler("report", reports.on_report),
            CommandHandler("mystats", reports.on_mystats),
            *field.handlers(),
            # A chat id, as Telegram gives it: up to 52 bits, so 16 digits at most.
            CallbackQueryHandler(linking.on_move, pattern=r"^lnk:\d{1,16}$"),
            MessageHandler(PRIVATE & filters.CONTACT, conversation.on_contact),
            MessageHandler(PRIVATE, conversation.on_message),
            CallbackQueryHandler(buttons.on_button),
        ]
    )
    # Before every other group: a press no handler may see is stopped here.
    application.add_handler(TypeHandler(Update, guards.gate_presses), group=-1)
    application.add_error_handler(remember_failure)


async def remember_failure(update: object, context: Context) -> None:
    """Note which update failed so the intake keeps it for another try."""
    error = context.error or RuntimeError("unknown failure")
    if isinstance(update, Update):
        # The intake logs it, knowing whether it was passing trouble or this update's fault.
        context.bot_data.failures[update.update_id] = error
        return
    log.error("handling update failed: %r", error, exc_info=error)
