"""The command menu Telegram shows each audience when they type "/", and the bot's description.

Retailers' commands are everyone's menu (Chinese, English for an English chat app); each staff
member gets their own in their private chat, in the language they read.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from telegram import Bot, BotCommand, BotCommandScopeChat
from telegram.error import TelegramError

from desk.people import Staff, Team
from handlers.telegram.texts import CATALOGS, say
from handlers.telegram.translate import CHANNEL, telegram_chat

log = logging.getLogger(__name__)

RETAILER = ("start", "order", "guide", "complain", "done", "cancel", "lang")
MANAGER = ("start", "queue", "mystats", "away", "back", "console", "lang")
SUPERVISOR = ("start", "report", "approve", "console", "lang")


def menu_of(team: Team, staff: Staff) -> tuple[str, ...]:
    """Return the commands a staff member has."""
    return MANAGER if staff.id in team.managers else SUPERVISOR


def commands(names: Iterable[str], lang: str) -> list[BotCommand]:
    """Return a menu's commands with their descriptions in a language."""
    return [BotCommand(name, say(lang, f"command.{name}")) for name in names]


async def publish(bot: Bot, team: Team, staff: Iterable[Staff]) -> None:
    """Set everyone's menu and description, then each staff member's own menu."""
    try:
        for lang in CATALOGS:
            # No language code is the default: Chinese, as for everything else.
            code = None if lang == "zh" else lang
            await bot.set_my_commands(commands(RETAILER, lang), language_code=code)
            await bot.set_my_description(say(lang, "bot.description"), language_code=code)
            short = say(lang, "bot.short_description")
            await bot.set_my_short_description(short, language_code=code)
        for member in staff:
            await publish_for(bot, team, member)
    except TelegramError as error:
        # A menu is a convenience: the bot answers every command whether or not it is shown.
        log.warning("command menus not set: %s", type(error).__name__)


async def publish_for(bot: Bot, team: Team, member: Staff) -> None:
    """Set one staff member's menu in their private chat, in the language they read."""
    chat = next((c for c in member.contacts if c.channel == CHANNEL), None)
    if chat is None:
        # Reached on another channel only: there is no Telegram chat to set a menu in.
        return
    scope = BotCommandScopeChat(telegram_chat(chat))
    await bot.set_my_commands(commands(menu_of(team, member), member.lang), scope=scope)
