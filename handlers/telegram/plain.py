"""Read the commonest update, a bare private text, without building PTB's objects for it.

Nearly every update in a burst is a retailer's question: a private message holding text and
nothing else. PTB's Update.de_json builds a Message of some eighty fields for it, and its
dispatch then tries every handler before the catch-all; a profile of the relay put both at a
tenth of the bot's CPU per question. Such an update can only ever reach conversation.on_message
(tests/unit/test_plain.py keeps the router to that), so the intake reads it here and hands it
to the same code. Anything else, or anything PTB might read differently or refuse, is left to
PTB: `read` returns None for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Only these fields: any other (entities, a reply, media, a forward, a topic) goes through PTB.
_UPDATE_KEYS = frozenset({"update_id", "message"})
_MESSAGE_KEYS = frozenset({"message_id", "from", "chat", "date", "text"})
# Telegram's ids fit in 52 bits; the inbox stores 64.
_ID_LIMIT = 2**63
# PTB reads `date` as a datetime, which ends with the year 9999.
_DATE_LIMIT = 253_402_300_800


@dataclass(frozen=True, slots=True)
class PlainText:
    """A private text message with nothing else in it, as the desk needs it."""

    update_id: int
    chat_id: int
    message_id: int
    text: str
    language_code: str | None


def read(raw: Any) -> PlainText | None:
    """Return the update as a plain private text, or None when PTB must read it."""
    if not isinstance(raw, dict) or raw.keys() != _UPDATE_KEYS:
        return None
    message = raw["message"]
    if not isinstance(message, dict) or message.keys() != _MESSAGE_KEYS:
        return None
    sender, chat, text = message["from"], message["chat"], message["text"]
    if not (isinstance(sender, dict) and isinstance(chat, dict) and isinstance(text, str)):
        return None
    ids = (raw["update_id"], message["message_id"], chat.get("id"), sender.get("id"))
    if not all(_is_id(value) for value in ids) or chat["id"] != sender["id"]:
        return None
    date, language = message["date"], sender.get("language_code")
    if not (_is_int(date) and 0 <= date < _DATE_LIMIT):
        return None
    if chat.get("type") != "private" or sender.get("is_bot") is not False:
        return None
    if not isinstance(sender.get("first_name"), str) or not isinstance(language, str | None):
        return None
    return PlainText(raw["update_id"], chat["id"], message["message_id"], text, language)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_id(value: object) -> bool:
    return _is_int(value) and -_ID_LIMIT <= value < _ID_LIMIT  # type: ignore[operator]
