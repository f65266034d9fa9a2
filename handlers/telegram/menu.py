"""The retailer's menu: order, guide, complaint, language; and cancelling a prompt."""

from __future__ import annotations

from telegram import Message, Update

from desk.commands import Outcome
from desk.people import Retailer
from desk.prompts import Awaited, Expect, Expectation
from handlers.telegram import guide, languages
from handlers.telegram.conversation import ask_to_register, identify
from handlers.telegram.services import Context
from handlers.telegram.texts import say
from handlers.telegram.translate import chat_of, inbound_of


async def retailer_of(update: Update, context: Context) -> tuple[Message, Retailer, str] | None:
    """Return the linked retailer behind an update; tell anyone else why not."""
    known = await identify(update, context)
    if known is None:
        return None
    message, someone, lang = known
    if someone.retailer is not None:
        return message, someone.retailer, lang
    if someone.staff is not None:
        await message.reply_text(say(lang, "retailers_only"))
    else:
        await ask_to_register(message, lang)
    return None


async def prompt_for(update: Update, context: Context, kind: Awaited) -> None:
    """Take the retailer's next message as a complaint or an order, and say so."""
    found = await retailer_of(update, context)
    if found is None:
        return
    message, _, lang = found
    cmd = Expect(chat_of(message.chat_id), Expectation(kind), inbound_of(update))
    outcome = await context.bot_data.desk.expect(cmd)
    if outcome not in {Outcome.DONE, Outcome.REPEATED}:
        await message.reply_text(say(lang, outcome.value))


async def on_menu(update: Update, context: Context) -> None:
    """Answer a press on the retailer's menu (the router's gate let only its own user press)."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    choice = (query.data or "").removeprefix("menu:")
    if choice == "guide":
        await guide.show_topics(update, context)
    elif choice == "lang":
        await languages.switch(update, context)
    else:
        await prompt_for(update, context, Awaited.ORDER if choice == "order" else Awaited.COMPLAINT)


async def on_cancel(update: Update, context: Context) -> None:
    """Drop a prompt: the next message is an ordinary question again."""
    found = await retailer_of(update, context)
    if found is None:
        return
    message, _, lang = found
    outcome = await context.bot_data.desk.cancel_expectation(chat_of(message.chat_id))
    done = outcome in {Outcome.DONE, Outcome.NOTHING_WAITING}
    text = say(lang, "cancelled" if done else outcome.value)
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    else:
        await message.reply_text(text)
