"""/lang: read the bot in Chinese or English."""

from __future__ import annotations

from telegram import Update

from desk.commands import Outcome
from desk.languages import LANGS
from handlers.telegram import menus
from handlers.telegram.conversation import identify
from handlers.telegram.services import Context
from handlers.telegram.texts import say
from handlers.telegram.translate import chat_of


async def on_lang(update: Update, context: Context) -> None:
    """Switch to the language named: /lang zh or /lang en."""
    known = await identify(update, context)
    if known is None:
        return
    message, _, lang = known
    wanted = (context.args or [""])[0].lower()
    if wanted not in LANGS:
        await message.reply_text(say(lang, "lang.usage"))
        return
    await _choose(message.chat_id, wanted, update, context)


async def switch(update: Update, context: Context) -> None:
    """Switch to the other language (the menu's button)."""
    known = await identify(update, context)
    if known is not None:
        chat_id, lang = known[0].chat_id, known[2]
        await _choose(chat_id, "zh" if lang == "en" else "en", update, context)


async def _choose(chat_id: int, lang: str, update: Update, context: Context) -> None:
    desk, address = context.bot_data.desk, chat_of(chat_id)
    outcome = await desk.choose_lang(address, lang)
    message = update.effective_message
    assert message is not None
    await message.reply_text(say(lang, "lang.set" if outcome is Outcome.DONE else "register"))
    member = (await desk.who(address)).staff
    if outcome is Outcome.DONE and member is not None:
        # Their command menu follows them into the new language.
        await menus.publish_for(context.bot, desk.ctx.team, member)
