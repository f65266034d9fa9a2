"""The shared catalog speaks in no channel's terms; a channel only adds its own words."""

from __future__ import annotations

import re

from handlers.catalog import CATALOGS
from handlers.telegram.texts import TELEGRAM_EN, TELEGRAM_ZH

CHANNEL_WORDS = re.compile(r"telegram|wecom|企业微信|微信|长按|long-press", re.IGNORECASE)


def test_no_shared_text_names_a_channel_or_its_gestures():
    named = [
        f"{lang}:{key}"
        for lang, catalog in CATALOGS.items()
        for key, text in catalog.items()
        if CHANNEL_WORDS.search(text)
    ]
    assert named == []


def test_telegram_words_only_reword_texts_the_catalog_has():
    for words, lang in ((TELEGRAM_ZH, "zh"), (TELEGRAM_EN, "en")):
        assert set(words) <= set(CATALOGS[lang]), lang
