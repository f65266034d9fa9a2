"""The language a person reads: the one picked with /lang, else their chat app's."""

from __future__ import annotations

from telegram import User

from desk.service import Someone
from handlers.telegram.services import Context
from handlers.telegram.texts import pick_lang
from handlers.telegram.translate import chat_of


def lang_for(someone: Someone, language_code: str | None) -> str:
    """Return the language someone picked, else the one their chat app names."""
    app_lang = pick_lang(language_code)
    retailer = someone.retailer
    # A retailer who never picked one follows the app, whose language may have changed since.
    if retailer is not None and language_code and not retailer.lang_chosen:
        return app_lang
    return someone.lang or app_lang


async def reader(user: User, context: Context) -> tuple[Someone, str]:
    """Return who a Telegram user is to the desk, and the language they read."""
    # A private chat's id is its user's, so a press or an edit made anywhere finds the person.
    someone = await context.bot_data.desk.who(chat_of(user.id))
    return someone, lang_for(someone, user.language_code)
