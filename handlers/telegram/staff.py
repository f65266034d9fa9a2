"""Managers and supervisors: answers by reply, the queue, and leave."""

from __future__ import annotations

from datetime import datetime, time

from telegram import Message, Update

from desk.answering import numbered
from desk.commands import Answer, AnswerTicket, Away, Outcome
from desk.content import Content
from desk.people import Staff
from handlers.catalog.filling import humanize
from handlers.telegram.answered import offer_saving
from handlers.telegram.reading import reader
from handlers.telegram.services import Context
from handlers.telegram.texts import say
from handlers.telegram.translate import chat_of, content_of, inbound_of


async def on_staff_message(update: Update, context: Context, member: Staff, lang: str) -> None:
    """Relay a staff reply to the retailer whose ticket message it answers."""
    message = update.effective_message
    assert message is not None
    if for_another_bot(message, context.bot.username):
        return
    content = content_of(message)
    replied = message.reply_to_message
    named = numbered(content) if replied is None and content is not None else None
    if named is not None:
        await answer_by_number(update, context, member, named, lang)
        return
    if replied is None or content is None:
        # A sticker in reply to a question is still a reply: say it cannot go out.
        await message.reply_text(say(lang, "not_a_ticket" if replied is None else "unrelayable"))
        return
    reply = Answer(
        member.id,
        chat_of(message.chat_id),
        str(replied.message_id),
        content,
        inbound_of(update),
    )
    desk = context.bot_data.desk
    # Complaint messages live only in supervisors' chats; every other reply is a ticket's.
    outcome = await desk.answer_complaint(reply)
    if outcome is Outcome.NOT_A_TICKET:
        outcome = await desk.answer(reply)
        if outcome is Outcome.DONE:
            await offer_saving(message, lang)
    if outcome in (Outcome.NOT_A_TICKET, Outcome.NO_CHAT, Outcome.ANSWER_CLOSED, Outcome.MOVED):
        await message.reply_text(say(lang, outcome.value))


async def answer_by_number(
    update: Update, context: Context, member: Staff, named: tuple[int, Content], lang: str
) -> None:
    """Relay "#123 the answer", written without replying to the ticket's message."""
    message = update.effective_message
    assert message is not None
    ticket_id, content = named
    cmd = AnswerTicket(member.id, ticket_id, content, inbound_of(update))
    outcome = await context.bot_data.desk.answer_ticket(cmd)
    if outcome is Outcome.DONE:
        await offer_saving(message, lang)
    elif outcome is not Outcome.REPEATED:
        key = "ticket.unknown" if outcome is Outcome.NOT_A_TICKET else outcome.value
        await message.reply_text(say(lang, key, ticket=ticket_id))


def for_another_bot(message: Message, username: str) -> bool:
    """Tell whether the message is a command addressed to another bot, as /report@OtherBot."""
    words = (message.text or "").split(maxsplit=1)
    command = words[0] if words and words[0].startswith("/") else ""
    _, at, addressee = command.partition("@")
    return bool(at) and addressee.lower() != username.lower()


async def staff_member(update: Update, context: Context) -> tuple[Staff, str] | None:
    """Return the staff member behind a command, refusing anyone else."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return None
    someone, lang = await reader(user, context)
    member = someone.staff
    if member is None or message.chat.type != message.chat.PRIVATE:
        await message.reply_text(say(lang, "staff_only"))
        return None
    return member, lang


async def on_queue(update: Update, context: Context) -> None:
    """List the manager's open tickets with their age."""
    found = await staff_member(update, context)
    if found is None or update.effective_message is None:
        return
    member, lang = found
    desk = context.bot_data.desk
    waiting = await desk.queue(member.id)
    now = desk.ctx.clock.now()
    lines = [say(lang, "queue.head", count=len(waiting))] if waiting else [say(lang, "queue.empty")]
    lines += [
        say(
            lang,
            "queue.line",
            ticket=w.id,
            retailer=f"{w.retailer.name}（{w.retailer.shop}）"
            if w.retailer
            else w.ticket.retailer_id,
            age=humanize((now - w.ticket.opened_at).total_seconds(), lang),
            waiting=say(lang, "queue.waiting") if w.ticket.waiting_since else "",
        )
        for w in waiting
    ]
    await update.effective_message.reply_text("\n".join(lines))


async def on_away(update: Update, context: Context) -> None:
    """Start leave: /away YYYY-MM-DD colleague-id."""
    found = await staff_member(update, context)
    if found is None or update.effective_message is None:
        return
    member, lang = found
    desk, args = context.bot_data.desk, context.args or []
    try:
        day = datetime.strptime(args[0], "%Y-%m-%d").date()
        covering = args[1]
    except (IndexError, ValueError):
        await update.effective_message.reply_text(say(lang, "away.usage"))
        return
    # Leave runs to the end of the given day, in the desk's timezone.
    until = datetime.combine(day, time.max, desk.ctx.timezone)
    outcome = await desk.go_away(Away(member.id, until, covering))
    reply = (
        say(lang, outcome.value)
        if outcome is not Outcome.DONE
        else say(lang, "away.ok", until=day.isoformat(), covering=desk.ctx.team.name_of(covering))
    )
    await update.effective_message.reply_text(reply)


async def on_back(update: Update, context: Context) -> None:
    """End leave."""
    found = await staff_member(update, context)
    if found is None or update.effective_message is None:
        return
    member, lang = found
    outcome = await context.bot_data.desk.come_back(member.id)
    key = "back.ok" if outcome is Outcome.DONE else "not_away"
    await update.effective_message.reply_text(say(lang, key))
