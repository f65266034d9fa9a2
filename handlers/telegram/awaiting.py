"""A retailer's message the desk asked for: an order or a comment on a rating."""

from __future__ import annotations

from telegram import Message, Update

from desk.commands import Inbound, Outcome
from desk.content import MAX_TEXT, Content, ContentKind
from desk.feedback import Comment
from desk.ordering import Order
from desk.people import Address, Retailer
from desk.prompts import Awaited, Expectation, expected_of
from desk.service import Desk
from desk.supply import parse_order
from handlers.telegram.services import Context
from handlers.telegram.texts import say
from handlers.telegram.translate import chat_of, inbound_of


async def intercept(
    update: Update, context: Context, retailer: Retailer, content: Content, lang: str
) -> bool:
    """Take the message as the order or comment the desk awaits; False for anything else."""
    message = update.effective_message
    assert message is not None
    desk = context.bot_data.desk
    expected = expected_of(retailer, desk.ctx.clock.now())
    if expected is None or expected.kind not in {Awaited.ORDER, Awaited.COMMENT}:
        return False
    if len(content.text) > MAX_TEXT:
        await message.reply_text(say(lang, "too_long", limit=MAX_TEXT))
        return True
    address, source = chat_of(message.chat_id), inbound_of(update)
    await _take(desk, message, expected, address, content, source, lang)
    return True


async def _take(
    desk: Desk,
    message: Message,
    expected: Expectation,
    address: Address,
    content: Content,
    source: Inbound,
    lang: str,
) -> None:
    text = content.text if content.kind is ContentKind.TEXT else ""
    if expected.kind is Awaited.ORDER:
        line = parse_order(text)
        outcome = await desk.order(Order(address, line, source)) if line else Outcome.BAD_ORDER
    elif text and expected.ticket_id is not None:
        outcome = await desk.comment(Comment(address, expected.ticket_id, text, source))
    else:
        await message.reply_text(say(lang, "comment.text_only"))
        return
    if outcome not in {Outcome.DONE, Outcome.REPEATED}:
        await message.reply_text(say(lang, outcome.value))
