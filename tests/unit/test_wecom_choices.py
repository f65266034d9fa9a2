"""What a 微信客服 retailer's tap or typed command asks of the desk, before any channel I/O."""

from __future__ import annotations

from dataclasses import replace

import pytest

from desk.commands import Inbound
from desk.guide import Entry, Library, Topic
from desk.people import Address
from desk.prompts import Awaited
from desk.service import Desk
from desk.shelf import Shelf
from handlers.wecom.choices import choose, is_choice

R1 = Address("telegram", "9001")  # r1's chat in the unit tests' roster
LIBRARY = Library(
    (Topic("storage", {"zh": "储存", "en": "Storage"}),),
    (
        Entry(
            "storage.climate",
            "storage",
            {"zh": "温湿度", "en": "Humidity"},
            {"zh": "放除湿盒。", "en": "Use a dehumidifier box."},
            ("受潮",),
        ),
    ),
)


@pytest.mark.parametrize(
    ("text", "menu_id", "expected"),
    [
        ("/complain", None, True),
        ("/order 软中华 2条", None, True),
        ("/lang en", None, True),
        ("软中华还有货吗？", None, False),
        ("/foobar", None, False),
        ("5 分", "rate:1:5", True),
    ],
)
def test_a_choice_is_a_tap_or_a_known_command(text: str, menu_id: str | None, expected: bool):
    assert is_choice(text, menu_id) is expected


async def test_a_tapped_guide_suggestion_shows_its_entry_in_the_retailer_s_language(desk: Desk):
    desk = Desk(replace(desk.ctx, guide=Shelf(LIBRARY)))

    told = await choose(desk, R1, "gd:e:storage.climate", Inbound("wechat", 1))

    assert told == ("guide.entry", {"title": "温湿度", "text": "放除湿盒。"})
    assert await choose(desk, R1, "gd:e:gone", Inbound("wechat", 2)) == ("no_entry", {})


async def test_commands_prompt_and_refusals_are_told(desk: Desk, store):
    assert await choose(desk, R1, "/complain", Inbound("wechat", 3)) is None
    assert store.retailers["r1"].awaiting == Awaited.COMPLAINT.value
    assert await choose(desk, R1, "/lang xx", Inbound("wechat", 4)) == ("lang.usage", {})
    assert await choose(desk, R1, "no-such-button", Inbound("wechat", 5)) == ("button.stale", {})
    assert await choose(desk, R1, "rate:99:5", Inbound("wechat", 6)) is not None


async def test_guide_lists_topics_then_entries_then_shows_one(desk: Desk):
    desk = Desk(replace(desk.ctx, guide=Shelf(LIBRARY)))

    ((key, topics),) = [await choose(desk, R1, "/guide", Inbound("wechat", 7))]
    assert key == "report" and "储存：/guide storage" in topics["text"]
    _, entries = await choose(desk, R1, "/guide storage", Inbound("wechat", 8)) or ("", {})
    assert "温湿度：/guide storage.climate" in entries["text"]
    shown = await choose(desk, R1, "/guide storage.climate", Inbound("wechat", 9))
    assert shown == ("guide.entry", {"title": "温湿度", "text": "放除湿盒。"})
    assert await choose(desk, R1, "/guide nothing", Inbound("wechat", 10)) == ("no_entry", {})
    assert is_choice("/guide", None)
