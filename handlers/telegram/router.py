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

from desk.ordering import OUTCOME_CODES
from desk.supply import RESTOCK_DAYS, RefusalReason
from handlers.telegram import (
    buttons,
    complaints,
    console,
    conversation,
    guards,
    guide,
    languages,
    linking,
    menu,
    ratings,
    reports,
    staff,
    supply,
)
from handlers.telegram.services import Context

log = logging.getLogger(__name__)

PRIVATE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
_ID = r"\d{1,11}"
_DAYS = "|".join(str(d) for d in RESTOCK_DAYS)
_REASONS = "|".join(r.value for r in RefusalReason)
_CODES = "|".join(OUTCOME_CODES.values())
# Button data is matched whole: anything else falls through to the ticket buttons' refusal.
_SUPPLY = rf"^sup:{_ID}:(?:(?:{_CODES})|oos:(?:{_DAYS})|no:(?:{_REASONS}))$"
_KEY = r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}"


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
            CommandHandler("console", console.on_console, filters=PRIVATE),
            # Ratings, complaints, supply requests, the guide and languages, before the catch-alls.
            CommandHandler("complain", complaints.on_complain, filters=PRIVATE),
            CommandHandler("done", complaints.on_done, filters=PRIVATE),
            CommandHandler("order", supply.on_order, filters=PRIVATE),
            CommandHandler("guide", guide.show_topics, filters=PRIVATE),
            CommandHandler("approve", guide.on_approve, filters=PRIVATE),
            CommandHandler("lang", languages.on_lang, filters=PRIVATE),
            CommandHandler("cancel", menu.on_cancel, filters=PRIVATE),
            CallbackQueryHandler(menu.on_menu, pattern=r"^menu:(?:order|guide|complain|lang)$"),
            CallbackQueryHandler(menu.on_cancel, pattern=r"^cancel$"),
            CallbackQueryHandler(ratings.on_rate, pattern=rf"^rate:{_ID}:[1-5]$"),
            CallbackQueryHandler(ratings.on_comment, pattern=rf"^rcm:{_ID}$"),
            CallbackQueryHandler(complaints.on_close, pattern=rf"^cpx:{_ID}$"),
            CallbackQueryHandler(complaints.on_done, pattern=r"^cpdone$"),
            CallbackQueryHandler(complaints.on_choice, pattern=r"^held:[sm]$"),
            CallbackQueryHandler(supply.on_outcome, pattern=_SUPPLY),
            CallbackQueryHandler(guide.on_browse, pattern=rf"^gd:[te]:{_KEY}$"),
            CallbackQueryHandler(guide.on_save, pattern=rf"^gds:{_ID}$"),
            CallbackQueryHandler(guide.on_decide, pattern=rf"^gdd:{_ID}:(?:ok|no)$"),
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
