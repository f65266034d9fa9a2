"""The manager's button that moves a retailer's link to the chat that shared their phone."""

from __future__ import annotations

from telegram import Update

from desk.commands import MoveLink, Outcome
from handlers.telegram.pressing import fields, staff_pressing
from handlers.telegram.services import Context
from handlers.telegram.texts import say
from handlers.telegram.translate import chat_of, inbound_of

TOLD = {
    Outcome.DONE: "link.moved",
    Outcome.REPEATED: "link.moved",
    Outcome.NOT_YOURS: "link.not_yours",
    Outcome.LINK_CHANGED: "link_changed",
}


async def on_move(update: Update, context: Context) -> None:
    """Move the link if the presser is the retailer's manager, checked on the notice pressed."""
    found = await staff_pressing(update, context)
    if found is None:
        return
    query, member, lang = found
    if query.message is None:
        await query.answer(say(lang, "button.stale"), show_alert=True)
        return
    pressed = chat_of(query.message.chat.id)
    cmd = MoveLink(
        member.id, pressed, str(query.message.message_id), fields(query)[0], inbound_of(update)
    )
    outcome = await context.bot_data.desk.move_link(cmd)
    await query.answer(say(lang, TOLD.get(outcome, "button.stale")), show_alert=True)
