"""/guide: browse the library by topic; staff save good answers into it as drafts."""

from __future__ import annotations

from telegram import Message, Update

from desk.commands import Outcome
from desk.guide import ANSWERS_TOPIC, Library, Topic
from desk.guiding import Decide, SaveDraft
from handlers.telegram.conversation import ask_to_register, identify
from handlers.telegram.keyboards import titled
from handlers.telegram.pressing import fields, staff_pressing
from handlers.telegram.services import Context
from handlers.telegram.staff import staff_member
from handlers.telegram.texts import say
from handlers.telegram.translate import chat_of


def topic_name(topic: Topic, lang: str) -> str:
    """Return a topic's name; the managers' answers are named by the catalog."""
    return say(lang, "guide.answers") if topic.key == ANSWERS_TOPIC else topic.name(lang)


async def _reader(update: Update, context: Context) -> tuple[Message, Library, str] | None:
    known = await identify(update, context)
    if known is None:
        return None
    message, someone, lang = known
    if someone.retailer is None and someone.staff is None:
        # The library holds managers' answers to retailers: it is for the desk's own people.
        if update.callback_query is not None:
            await update.callback_query.answer()
        await ask_to_register(message, lang)
        return None
    return message, await context.bot_data.desk.library(), lang


async def show_topics(update: Update, context: Context) -> None:
    """List the library's topics as buttons."""
    found = await _reader(update, context)
    if found is None:
        return
    message, library, lang = found
    topics = [t for t in library.topics if library.in_topic(t.key)]
    if not topics:
        await message.reply_text(say(lang, "guide.empty"))
        return
    rows = [(topic_name(t, lang), f"gd:t:{t.key}") for t in topics]
    await message.reply_text(say(lang, "guide.head"), reply_markup=titled(rows, per_row=2))


async def on_browse(update: Update, context: Context) -> None:
    """Open a topic (its entries as buttons) or an entry (its text)."""
    found = await _reader(update, context)
    query = update.callback_query
    if found is None or query is None:
        return
    message, library, lang = found
    await query.answer()
    what, key = fields(query)
    topic, entry = library.topic(key), library.entry(key)
    if what == "t" and topic is not None:
        rows = [(e.title(lang), f"gd:e:{e.id}") for e in library.in_topic(key)]
        text = say(lang, "guide.topic", topic=topic_name(topic, lang))
        await message.reply_text(text, reply_markup=titled(rows))
    elif what == "e" and entry is not None:
        await message.reply_text(
            say(lang, "guide.entry", title=entry.title(lang), text=entry.text(lang))
        )
    else:
        await message.reply_text(say(lang, "no_entry"))


async def on_save(update: Update, context: Context) -> None:
    """Save the staff member's answer as a draft for the supervisor to approve."""
    found = await staff_pressing(update, context)
    if found is None or update.effective_chat is None:
        return
    query, member, lang = found
    address = chat_of(update.effective_chat.id)
    cmd = SaveDraft(member.id, address, fields(query)[0])
    outcome = await context.bot_data.desk.save_draft(cmd)
    done = outcome is Outcome.DONE
    await query.answer(say(lang, "guide.saved" if done else outcome.value), show_alert=True)


async def on_decide(update: Update, context: Context) -> None:
    """Approve a draft into the library, or reject it."""
    found = await staff_pressing(update, context)
    if found is None:
        return
    query, member, lang = found
    draft, verdict = fields(query)
    approve = verdict == "ok"
    outcome = await context.bot_data.desk.decide_draft(Decide(member.id, int(draft), approve))
    done = "guide.approved" if approve else "guide.rejected"
    await query.answer(
        say(lang, done if outcome is Outcome.DONE else outcome.value), show_alert=True
    )


async def on_approve(update: Update, context: Context) -> None:
    """Approve a draft with its question reworded: /approve 12 the question in your words."""
    found = await staff_member(update, context)
    if found is None or update.effective_message is None:
        return
    member, lang = found
    args = context.args or []
    if len(args) < 2 or not args[0].isdigit():
        await update.effective_message.reply_text(say(lang, "guide.approve_usage"))
        return
    cmd = Decide(member.id, int(args[0]), True, question=" ".join(args[1:]))
    outcome = await context.bot_data.desk.decide_draft(cmd)
    done = outcome is Outcome.DONE
    await update.effective_message.reply_text(
        say(lang, "guide.approved" if done else outcome.value)
    )
