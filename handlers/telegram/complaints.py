"""/complain: a retailer writes to the supervisor about their manager, in confidence."""

from __future__ import annotations

from telegram import Update

from desk.commands import Outcome
from desk.complaining import CloseComplaint, Complain
from desk.content import Content, ContentKind
from desk.conversation import BackToManager, Choose
from desk.prompts import Awaited
from handlers.telegram.menu import prompt_for, retailer_of
from handlers.telegram.pressing import fields, staff_pressing
from handlers.telegram.services import Context
from handlers.telegram.texts import say
from handlers.telegram.translate import chat_of, inbound_of


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
    said = Content(ContentKind.TEXT, text, chat_of(message.chat_id), str(message.message_id))
    cmd = Complain(chat_of(message.chat_id), said, inbound_of(update))
    outcome = await context.bot_data.desk.complain(cmd)
    if outcome not in {Outcome.DONE, Outcome.REPEATED}:
        await message.reply_text(say(lang, outcome.value))


async def on_done(update: Update, context: Context) -> None:
    """Leave the confidential conversation, by /done or its button."""
    found = await retailer_of(update, context)
    if found is None:
        return
    message, _, lang = found
    cmd = BackToManager(chat_of(message.chat_id), inbound_of(update))
    outcome = await context.bot_data.desk.back_to_manager(cmd)
    # DONE: the desk tells the retailer itself, through the outbox.
    done = outcome in {Outcome.DONE, Outcome.REPEATED}
    await _tell(update, lang, None if done else say(lang, _refusal(outcome, "done.none")))


async def on_choice(update: Update, context: Context) -> None:
    """Send held messages to the supervisor or the manager, as the retailer pressed."""
    found = await retailer_of(update, context)
    if found is None:
        return
    message, _, lang = found
    to_supervisor = fields_of(update) == ["s"]
    cmd = Choose(chat_of(message.chat_id), to_supervisor, inbound_of(update))
    outcome = await context.bot_data.desk.choose(cmd)
    if outcome in {Outcome.DONE, Outcome.REPEATED}:
        text = say(lang, "held.to_supervisor" if to_supervisor else "held.to_manager")
    else:
        text = say(lang, _refusal(outcome, "button.stale"))
    await _tell(update, lang, text)


def _refusal(outcome: Outcome, nothing_waiting: str) -> str:
    """Return the text key for a /done or a choice the desk turned down."""
    return nothing_waiting if outcome is Outcome.NOTHING_WAITING else outcome.value


def fields_of(update: Update) -> list[str]:
    """Return the parts of a pressed button's data after its prefix."""
    query = update.callback_query
    return fields(query) if query is not None else []


async def _tell(update: Update, lang: str, text: str | None) -> None:
    """Answer a press with a short note, or a command with a message."""
    query, message = update.callback_query, update.effective_message
    if query is not None:
        await query.answer(text, show_alert=text is not None)
    elif text is not None and message is not None:
        await message.reply_text(text)


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
