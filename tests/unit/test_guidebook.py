"""The guide file: the shipped example reads, and mistakes are named with their line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.guidebook import load_guide, parse_guide
from bot.problems import ConfigError

REPO = Path(__file__).resolve().parents[2]

GOOD = """
# a comment
[topic storage]
zh = 储存
en = Storage

[entry storage.climate]
topic = storage
keywords = 受潮，湿度、humidity; damp
title.zh = 温湿度
text.zh = 第一行
  第二行
text.en = Keep it dry.
"""


def test_the_shipped_example_has_every_topic_in_both_languages():
    library = load_guide(REPO / "guide.txt")

    keys = [t.key for t in library.topics]
    assert keys == ["display", "storage", "promotion", "regulations", "ordering"]
    assert all(t.names.keys() == {"zh", "en"} for t in library.topics)
    assert all(library.in_topic(key) for key in keys)
    for entry in library.entries:
        assert entry.titles.keys() == {"zh", "en"}, entry.id
        assert entry.texts.keys() == {"zh", "en"}, entry.id
        assert entry.keywords, entry.id
        assert len(f"gd:e:{entry.id}".encode()) <= 64


def test_the_example_answers_a_storage_question():
    library = load_guide(REPO / "guide.txt")
    assert library.suggest("烟最近有点受潮，怎么存放？")[0].id == "storage.climate"


def test_an_entry_reads_its_fields_and_continued_lines():
    library = parse_guide(GOOD)

    (entry,) = library.entries
    assert entry.keywords == ("受潮", "湿度", "humidity", "damp")
    assert entry.text("zh") == "第一行\n第二行"
    assert entry.title("en") == "温湿度"
    assert library.topics[0].name("en") == "Storage"


def test_no_file_set_means_an_empty_library():
    assert load_guide(None).entries == ()


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match="guide file not found"):
        load_guide(tmp_path / "guide.txt")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[entry a]\ntopic = none\ntitle.zh = t\ntext.zh = x\n", "a.topic: names no [topic]"),
        ("[topic t]\n[entry a]\ntopic = t\ntext.zh = x\n", "a.title.zh: an entry needs a title"),
        ("[topic t]\n[entry a]\ntopic = t\ntitle.zh = x\n", "a.text.zh: an entry needs a text"),
        ("[topic t]\ncolour = red\n", "t.colour: unknown field"),
        ("[topic Bad Key]\n", "expected [topic KEY]"),
        ("[topic BAD]\n", "BAD: use 1-40 lowercase"),
        ("[topic answers]\n", "kept for approved answers"),
        ("[topic t]\n[topic t]\n", "t: topic named twice"),
        ("  stray\n", "indented line continues nothing"),
        ("zh = 储存\n", "expected [topic KEY], [entry ID] or name = value"),
    ],
)
def test_each_mistake_is_reported_with_its_place(text, problem):
    with pytest.raises(ConfigError) as raised:
        parse_guide(text, "g.txt")
    assert problem in str(raised.value)
    assert str(raised.value).startswith("g.txt:")
