"""Private messages: retailers ask, strangers are told how to register, staff answer."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable

from telegram import Bot, KeyboardButton, Message, MessageEntity, ReplyKeyboardMarkup, Update

from desk.commands import Inbound, Outcome, ShareContact
from desk.content import MAX_TEXT, Content, ContentKind
from desk.conversation import Receive
from desk.people import Address
from desk.service import Desk, Someone
from handlers.telegram import staff
from handlers.telegram.keyboards import menu_keyboard
from handlers.telegram.plain import PlainText
from handlers.telegram.reading import lang_for
from handlers.telegram.services import Context
from handlers.telegram.texts import say
from handlers.telegram.translate import CHANNEL, address_of, chat_of, content_of, inbound_of

log = logging.getLogger(__name__)

# Why the desk refused a message it had asked for (an order, a rating's comment): the retailer
# is told. A question or a complaint is acknowledged by the desk's own notices instead.
REFUSED = frozenset(
    {
        Outcome.BAD_ORDER,
        Outcome.TEXT_ONLY,
        Outcome.NOT_ASKED,
        Outcome.ALREADY_RATED,
        Outcome.NOT_YOURS,
        Outcome.UNKNOWN_SENDER,
    }
)


async def identify(update: Update, context: Context) -> tuple[Message, Someone, str] | None:
    """Return the message, who sent it and their language; None for what we never handle."""
    message, address, user = update.effective_message, address_of(update), update.effective_user
    if message is None or address is None or user is None:
        return None
    someone = await context.bot_data.desk.who(address)
    lang = await reading_lang(context.bot_data.desk, address, someone, user.language_code)
    return message, someone, lang


async def reading_lang(desk: Desk, address: Address, someone: Someone, app_lang: str | None) -> str:
    """Return the language someone reads; a retailer who never picked one follows their app."""
    lang = lang_for(someone, app_lang)
    if someone.retailer and someone.retailer.lang != lang:
        # This retailer never picked one, and their chat app's language changed: keep it.
        await desk.follow_app_lang(address, lang)
    return lang


async def on_message(update: Update, context: Context) -> None:
    """Route a private message by who sent it."""
    known = await identify(update, context)
    if known is None:
        return
    message, someone, lang = known
    if someone.staff is not None:
        await staff.on_staff_message(update, context, someone.staff, lang)
        return
    if someone.retailer is None:
        log.info("message from unregistered chat %s: asked to register", message.chat_id)
        await ask_to_register(message, lang)
        return
    if is_command(message):
        # Every command a retailer has matched a handler before this one: show them the list.
        await message.reply_text(say(lang, "help.retailer"), reply_markup=menu_keyboard(lang))
        return
    content = content_of(message)
    if content is None:
        await message.reply_text(say(lang, "unsupported"))
        return
    replied = message.reply_to_message
    cmd = Receive(
        message_address(message),
        content,
        inbound_of(update),
        str(replied.message_id) if replied else None,
    )
    await receive(context.bot_data.desk, cmd, lang, message.reply_text)


async def on_plain_text(plain: PlainText, desk: Desk, bot: Bot) -> bool:
    """Take a retailer's bare private text as on_message would; False leaves it to on_message."""
    address = chat_of(plain.chat_id)
    someone = await desk.who(address)
    if someone.staff is not None or someone.retailer is None:
        # Staff and strangers are answered from PTB's objects; nothing was written yet.
        return False
    lang = await reading_lang(desk, address, someone, plain.language_code)
    content = Content(ContentKind.TEXT, plain.text, address, str(plain.message_id))
    cmd = Receive(address, content, Inbound(CHANNEL, plain.update_id))
    await receive(desk, cmd, lang, functools.partial(bot.send_message, plain.chat_id))
    return True


async def receive(
    desk: Desk, cmd: Receive, lang: str, reply: Callable[[str], Awaitable[object]]
) -> None:
    """Hand a retailer's message to the desk; tell them why, when it refused it."""
    # The desk decides where it goes: the manager, the retailer's complaint, held for a choice,
    # or the order or comment it asked for.
    outcome = await desk.receive(cmd)
    if outcome is Outcome.TOO_LONG:
        await reply(say(lang, "too_long", limit=MAX_TEXT))
    elif outcome in REFUSED:
        await reply(say(lang, outcome.value))


async def on_contact(update: Update, context: Context) -> None:
    """Link a retailer who shares their own phone number."""
    known = await identify(update, context)
    if known is None or known[0].contact is None or update.effective_user is None:
        return
    message, _, lang = known
    contact = message.contact
    assert contact is not None
    outcome = await context.bot_data.desk.share_contact(
        ShareContact(
            message_address(message),
            contact.phone_number,
            str(contact.user_id) if contact.user_id is not None else None,
            str(update.effective_user.id),
            lang,
            inbound_of(update),
        )
    )
    if outcome is Outcome.ALREADY_LINKED:
        # Ids only: the phone stays out of the log.
        log.info("chat %s shared the phone of a retailer linked elsewhere", message.chat_id)
    if outcome in {Outcome.NOT_OWN_CONTACT, Outcome.UNKNOWN_PHONE, Outcome.ALREADY_LINKED}:
        await message.reply_text(say(lang, outcome.value))


async def on_start(update: Update, context: Context) -> None:
    """Greet: staff and retailers get help, strangers are asked to register."""
    known = await identify(update, context)
    if known is None:
        return
    message, someone, lang = known
    if someone.role.value == "stranger":
        await ask_to_register(message, lang)
        return
    if someone.staff:
        await message.reply_text(say(lang, "help.staff"))
        return
    await message.reply_text(say(lang, "help.retailer"), reply_markup=menu_keyboard(lang))


async def ask_to_register(message: Message, lang: str) -> None:
    """Offer the contact button to someone not on the roster."""
    button = KeyboardButton(say(lang, "register.button"), request_contact=True)
    markup = ReplyKeyboardMarkup([[button]], one_time_keyboard=True, resize_keyboard=True)
    await message.reply_text(say(lang, "register"), reply_markup=markup)


def is_command(message: Message) -> bool:
    """Say whether Telegram marks the message as a command: "/word" at its start.

    Telegram marks only a slash followed by Latin letters, digits or underscores, so a price
    such as "1/2条" or a Chinese "/价格" stays a question.
    """
    entities = message.entities or ()
    return any(e.type == MessageEntity.BOT_COMMAND and e.offset == 0 for e in entities)


def message_address(message: Message) -> Address:
    """Return the desk address of a private message's chat."""
    return chat_of(message.chat_id)
