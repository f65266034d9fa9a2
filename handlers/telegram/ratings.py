"""The retailer's score buttons and the comment they may add."""

from __future__ import annotations

from telegram import Update

from desk.commands import Outcome
from desk.feedback import Rate
from handlers.telegram.menu import retailer_of
from handlers.telegram.pressing import fields
from handlers.telegram.services import Context
from handlers.telegram.texts import say
from handlers.telegram.translate import chat_of, inbound_of


async def on_rate(update: Update, context: Context) -> None:
    """Store the score pressed; only the ticket's own retailer gets through."""
    query, found = update.callback_query, await retailer_of(update, context)
    if query is None or found is None:
        return
    message, _, lang = found
    ticket, score = (int(part) for part in fields(query))
    cmd = Rate(chat_of(message.chat_id), ticket, score, inbound_of(update))
    outcome = await context.bot_data.desk.rate(cmd)
    done = outcome is Outcome.DONE
    await query.answer(say(lang, "rated.ok" if done else outcome.value), show_alert=not done)


async def on_comment(update: Update, context: Context) -> None:
    """Take the retailer's next message as the comment on their score."""
    query, found = update.callback_query, await retailer_of(update, context)
    if query is None or found is None:
        return
    message, _, lang = found
    address = chat_of(message.chat_id)
    outcome = await context.bot_data.desk.want_comment(address, int(fields(query)[0]))
    if outcome is Outcome.DONE:
        await query.answer()
    else:
        await query.answer(say(lang, outcome.value), show_alert=True)
