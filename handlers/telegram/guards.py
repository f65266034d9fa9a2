"""Updates the desk does not take: group chats, edits, and bot-blocked notices."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from handlers.telegram.reading import reader
from handlers.telegram.services import Context
from handlers.telegram.texts import pick_lang, say

log = logging.getLogger(__name__)


async def on_group_message(update: Update, context: Context) -> None:
    """Point group members to a private chat; nothing from a group reaches staff."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or user.is_bot:
        return
    chat = message.chat
    if chat.type in (chat.GROUP, chat.SUPERGROUP) and message.text and message.text.startswith("/"):
        await message.reply_text(say(pick_lang(user.language_code), "groups"))


async def on_edited(update: Update, context: Context) -> None:
    """Tell the sender that edits are not relayed."""
    message, user = update.edited_message, update.effective_user
    if message is None or user is None or message.chat.type != message.chat.PRIVATE:
        return
    someone, lang = await reader(user, context)
    await message.reply_text(say(lang, "edited.staff" if someone.staff else "edited"))


async def gate_presses(update: Update, context: Context) -> None:
    """Stop a button press with no data, or made by someone outside the chat it was in."""
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    chat = query.message.chat if query.message is not None else None
    # A private chat's buttons are pressed by its own user; PTB would also let a press without
    # data through every handler's pattern.
    foreign = chat is not None and chat.type == chat.PRIVATE and chat.id != user.id
    if query.data and not foreign:
        return
    _, lang = await reader(user, context)
    await query.answer(say(lang, "button.stale"), show_alert=True)
    raise ApplicationHandlerStop


async def on_membership(update: Update, context: Context) -> None:
    """Log when someone blocks or unblocks the bot."""
    change = update.my_chat_member
    if change is not None:
        log.info("chat %s is now %s", change.chat.id, change.new_chat_member.status)
