"""The Chinese and English catalogs say the same things with the same blanks."""

from __future__ import annotations

import string
from collections.abc import Iterable

import pytest

from desk.asking import ticket_buttons
from desk.commands import Outcome
from desk.complaining import BACK_TO_MANAGER, close_button
from desk.content import ContentKind
from desk.conversation import TO_MANAGER, TO_SUPERVISOR
from desk.feedback import rate_buttons
from desk.guide import Entry
from desk.guiding import entry_buttons
from desk.notices import NoticeKind
from desk.ordering import supply_buttons
from desk.prompts import CANCEL, Awaited
from desk.supply import RESTOCK_DAYS, RefusalReason, SupplyOutcome
from handlers.telegram.keyboards import MENU
from handlers.telegram.texts import CATALOGS, EN, ZH, pick_lang, say


def fields(text: str) -> set[str]:
    """Return the placeholder names in a catalog text."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_both_catalogs_have_the_same_keys():
    assert missing_keys(ZH.keys() | EN.keys()) == {}


def test_each_text_has_the_same_placeholders_in_both_languages():
    differ = {key: (fields(ZH[key]), fields(EN[key])) for key in ZH.keys() & EN.keys()}
    assert {key: pair for key, pair in differ.items() if pair[0] != pair[1]} == {}


def test_each_text_fills_given_its_placeholders():
    unfilled = []
    for lang in sorted(CATALOGS):
        for key in sorted(ZH):
            filled = say(lang, key, **dict.fromkeys(fields(ZH[key]), "◆"))
            if "{" in filled or "}" in filled:
                unfilled.append((lang, key))
    assert unfilled == []


def missing_keys(keys: Iterable[str]) -> dict[str, list[str]]:
    """Return, per language, the keys its catalog lacks."""
    wanted = sorted(set(keys))
    missing = {lang: [k for k in wanted if k not in catalog] for lang, catalog in CATALOGS.items()}
    return {lang: keys for lang, keys in missing.items() if keys}


def test_every_notice_kind_has_a_text():
    assert missing_keys(kind.value for kind in NoticeKind) == {}


# Outcomes a button press (on it / resolve), a shared contact or /away can end in.
SHOWN_OUTCOMES = [
    Outcome.REPEATED,
    Outcome.NOT_YOURS,
    Outcome.CLOSED,
    Outcome.NOTHING_WAITING,
    Outcome.NOT_OWN_CONTACT,
    Outcome.UNKNOWN_PHONE,
    Outcome.BAD_COLLEAGUE,
    Outcome.BAD_DATE,
    Outcome.NOT_AWAY,
    Outcome.NOT_ASKED,
    Outcome.ALREADY_RATED,
    Outcome.NO_SUPERVISOR,
    Outcome.BAD_ORDER,
    Outcome.NO_ENTRY,
    Outcome.NOT_AN_ANSWER,
    Outcome.ALREADY_SAVED,
    Outcome.DECIDED,
    Outcome.CHOOSE_FIRST,
    Outcome.IN_COMPLAINT,
    Outcome.NUDGED_RECENTLY,
    Outcome.NOT_IN_TEAM,
    Outcome.SAME_MANAGER,
    Outcome.MANAGER_AWAY,
    Outcome.NO_REASON,
    Outcome.LONG_REASON,
]


def test_every_outcome_shown_to_a_person_has_a_text():
    assert missing_keys(outcome.value for outcome in SHOWN_OUTCOMES) == {}


def test_every_media_kind_has_a_label():
    kinds = [kind for kind in ContentKind if kind is not ContentKind.TEXT]
    assert missing_keys(f"content.{kind.value}" for kind in kinds) == {}


@pytest.mark.parametrize(
    ("code", "lang"),
    [("en", "en"), ("en-US", "en"), ("EN-gb", "en"), ("zh-hans", "zh"), ("ru", "zh"), (None, "zh")],
)
def test_english_only_for_english_speakers_chinese_otherwise(code, lang):
    assert pick_lang(code) == lang


def test_an_unknown_language_falls_back_to_chinese():
    assert say("fr", "closed") == ZH["closed"]


def test_say_fills_the_blanks():
    assert say("en", "eta_set", minutes=30) == (
        "The retailer was told you will answer within 30 minutes."
    )
    assert say("zh", "button.eta", minutes=15) == "15 分钟"


# Texts a notice names by its "variant" parameter, beside the notice kind's own text.
VARIANTS = [
    *(f"prompt.{kind.value}" for kind in Awaited if kind is not Awaited.HELD),
    "complaint_reply.open",
    "complaint_choice.ended",
    "rated.comment",
    "low_rating.comment",
    *(f"supply_answer.{o.value}" for o in SupplyOutcome if o is not SupplyOutcome.REFUSED),
    "supply_answer.out_of_stock_open",
    "supply_ack.overdue",
    *(f"supply_answer.refused.{reason.value}" for reason in RefusalReason),
]

# Every button label: those the desk puts on notices and those the handlers build.
ENTRIES = [Entry(str(i), "t", {"zh": "t"}, {"zh": "x"}) for i in range(3)]
LABELS = [
    *(b.label for b in ticket_buttons(1)),
    *(b.label for b in rate_buttons(1)),
    *(b.label for b in supply_buttons(1)),
    *(b.label for b in entry_buttons(ENTRIES)),
    close_button(1).label,
    BACK_TO_MANAGER.label,
    TO_SUPERVISOR.label,
    TO_MANAGER.label,
    CANCEL.label,
    "button.comment",
    "button.approve",
    "button.reject",
    "button.save_guide",
    *(f"button.restock{days}" for days in RESTOCK_DAYS),
    *(f"button.reason.{reason.value}" for reason in RefusalReason),
    *(f"button.menu.{item}" for item in MENU),
]


def test_every_variant_and_button_label_exists_in_both_languages():
    assert missing_keys(VARIANTS + LABELS) == {}


def test_the_language_button_offers_the_other_language():
    assert say("zh", "button.menu.lang") == "🌐 English"
    assert say("en", "button.menu.lang") == "🌐 中文"
