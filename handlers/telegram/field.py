"""The handlers of ratings, complaints, supply requests, the guide and languages, in order."""

from __future__ import annotations

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from desk.ordering import OUTCOME_CODES
from desk.supply import RESTOCK_DAYS, RefusalReason
from handlers.telegram import complaints, guide, languages, menu, ratings, supply

PRIVATE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
_ID = r"\d{1,11}"
_DAYS = "|".join(str(d) for d in RESTOCK_DAYS)
_REASONS = "|".join(r.value for r in RefusalReason)
_CODES = "|".join(OUTCOME_CODES.values())
# Button data is matched whole: anything else falls through to the ticket buttons' refusal.
_SUPPLY = rf"^sup:{_ID}:(?:(?:{_CODES})|oos:(?:{_DAYS})|no:(?:{_REASONS}))$"
_KEY = r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}"


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """Return the handlers to register before the catch-all message and button handlers."""
    return [
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
    ]
