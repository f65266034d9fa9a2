"""What a retailer asks of the desk on 微信客服 beside a message: a menu tap, or a command.

The desk's buttons reach a kf customer as a msgmenu whose items carry the button's data; a tap
comes back as a text with that data as its `menu_id`. Commands are the Telegram ones, typed:
`/complain`, `/order`, `/done`, `/cancel`, `/lang`. Each becomes the same desk command a
Telegram press or command does, so ratings, complaints, orders and languages work alike.
"""

from __future__ import annotations

import re
from typing import Any

from desk.commands import Inbound, Outcome
from desk.conversation import BackToManager, Choose
from desk.feedback import Rate
from desk.guide import ANSWERS_TOPIC, Topic
from desk.people import Address
from desk.prompts import Awaited, Expect, Expectation
from desk.service import Desk
from handlers.wecom.texts import say

_ID = r"\d{1,11}"
_RATE = re.compile(rf"rate:({_ID}):([1-5])")
_COMMENT = re.compile(rf"rcm:({_ID})")
_PROMPTS = {"menu:complain": Awaited.COMPLAINT, "/complain": Awaited.COMPLAINT}
_PROMPTS |= {"menu:order": Awaited.ORDER, "/order": Awaited.ORDER}
# /console is staff's: a retailer typing it is told so rather than asking it as a question.
COMMANDS = frozenset({"/complain", "/order", "/done", "/cancel", "/lang", "/guide", "/console"})
LANGS = ("zh", "en")
GUIDE_ENTRY = "gd:e:"
# What to tell the retailer: a catalog key and its parameters.
Told = tuple[str, dict[str, Any]]


def is_choice(text: str, menu_id: str | None) -> bool:
    """Say whether a kf text is a tap on a menu or a command rather than a message."""
    return bool(menu_id) or text.strip().split(" ", 1)[0] in COMMANDS


async def choose(desk: Desk, address: Address, choice: str, source: Inbound) -> Told | None:
    """Apply a retailer's tap (its menu_id) or typed command; return what to tell them, if any."""
    outcome = await _apply(desk, address, choice, source)
    if isinstance(outcome, Outcome):
        # A done command is answered by the desk's own notices (a prompt, thanks for a score).
        return None if outcome in {Outcome.DONE, Outcome.REPEATED} else (outcome.value, {})
    return (outcome, {}) if isinstance(outcome, str) else outcome


async def _apply(
    desk: Desk, address: Address, choice: str, source: Inbound
) -> Outcome | str | Told:
    """Turn the tap or command into the desk's command; a catalog key when none fits."""
    word, _, rest = choice.strip().partition(" ")
    if word.startswith(GUIDE_ENTRY):
        return await _entry(desk, address, word.removeprefix(GUIDE_ENTRY))
    if word in {"/guide", "menu:guide"}:
        return await _guide(desk, address, rest.strip())
    if word in _PROMPTS:
        return await desk.expect(Expect(address, Expectation(_PROMPTS[word]), source))
    if word in {"/done", "cpdone"}:
        return await desk.back_to_manager(BackToManager(address, source))
    if word in {"held:s", "held:m"}:
        return await desk.choose(Choose(address, word == "held:s", source))
    if word in {"/cancel", "cancel"}:
        outcome = await desk.cancel_expectation(address)
        return Outcome.DONE if outcome is Outcome.NOTHING_WAITING else outcome
    if word in {"/lang", "menu:lang"}:
        return await _language(desk, address, rest.strip())
    if word == "/console":
        return "staff_only"
    if rated := _RATE.fullmatch(word):
        return await desk.rate(Rate(address, int(rated[1]), int(rated[2]), source))
    if commented := _COMMENT.fullmatch(word):
        return await desk.want_comment(address, int(commented[1]))
    return "button.stale"


async def _guide(desk: Desk, address: Address, key: str) -> Told:
    """Show the library as kf text: its topics, a topic's entries, or an entry, by key."""
    retailer = (await desk.who(address)).retailer
    lang = retailer.lang if retailer is not None else "zh"
    library = await desk.library()
    if not key:
        topics = [t for t in library.topics if library.in_topic(t.key)]
        if not topics:
            return ("guide.empty", {})
        lines = [f"· {_topic_name(t, lang)}：/guide {t.key}" for t in topics]
        return ("report", {"text": "\n".join([say(lang, "guide.head"), *lines])})
    topic = library.topic(key)
    if topic is not None:
        lines = [f"· {e.title(lang)}：/guide {e.id}" for e in library.in_topic(key)]
        head = say(lang, "guide.topic", topic=_topic_name(topic, lang))
        return ("report", {"text": "\n".join([head, *lines])})
    return await _entry(desk, address, key)


def _topic_name(topic: Topic, lang: str) -> str:
    """Return a topic's name; the managers' answers are named by the catalog."""
    return say(lang, "guide.answers") if topic.key == ANSWERS_TOPIC else topic.name(lang)


async def _entry(desk: Desk, address: Address, key: str) -> Told:
    """Show a guide entry a suggestion offered, in the retailer's language."""
    retailer = (await desk.who(address)).retailer
    lang = retailer.lang if retailer is not None else "zh"
    entry = (await desk.library()).entry(key)
    if entry is None:
        return ("no_entry", {})
    return ("guide.entry", {"title": entry.title(lang), "text": entry.text(lang)})


async def _language(desk: Desk, address: Address, wanted: str) -> Outcome | str:
    """Switch to the language named, or to the other one when none is."""
    if not wanted:
        retailer = (await desk.who(address)).retailer
        wanted = "zh" if retailer is not None and retailer.lang == "en" else "en"
    if wanted not in LANGS:
        return "lang.usage"
    outcome = await desk.choose_lang(address, wanted)
    return "lang.set" if outcome is Outcome.DONE else outcome
