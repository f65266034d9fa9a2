"""/complain: a retailer writes to the supervisor about their manager, in confidence."""

from __future__ import annotations

from telegram import Update

from desk.commands import Outcome
from desk.complaining import CloseComplaint, Complain
from desk.content import Content, ContentKind
from desk.people import Address
from desk.prompts import Awaited
from handlers.telegram.menu import prompt_for, retailer_of
from handlers.telegram.pressing import fields, staff_pressing
from handlers.telegram.services import Context
from handlers.telegram.texts import say
from handlers.telegram.translate import CHANNEL, inbound_of


async def on_complain(update: Update, context: Context) -> None:
    """File the complaint given after the command, or take the next message as one."""
    text = " ".join(context.args or [])
    if not text:
        await prompt_for(update, context, Awaited.COMPLAINT)
        return
    found = await retailer_of(update, context)
    if found is None:
        return
    message, _, lang = found
    said = Content(ContentKind.TEXT, text, message.chat_id, message.message_id)
    cmd = Complain(Address(CHANNEL, message.chat_id), said, inbound_of(update))
    outcome = await context.bot_data.desk.complain(cmd)
    if outcome not in {Outcome.DONE, Outcome.REPEATED}:
        await message.reply_text(say(lang, outcome.value))


async def on_close(update: Update, context: Context) -> None:
    """Close a complaint from its button; only supervisors hold that button."""
    found = await staff_pressing(update, context)
    if found is None:
        return
    query, member, lang = found
    cmd = CloseComplaint(member.id, int(fields(query)[0]), inbound_of(update))
    outcome = await context.bot_data.desk.close_complaint(cmd)
    done = outcome is Outcome.DONE
    await query.answer(say(lang, "complaint.closed" if done else outcome.value), show_alert=True)
