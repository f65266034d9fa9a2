"""The WeChat side's own words: written out in the person's language, readable on any channel."""

from __future__ import annotations

import string
from zoneinfo import ZoneInfo

from desk.notices import NoticeKind
from desk.people import Address
from handlers.telegram.render import Renderer
from handlers.wecom.notes import note
from handlers.wecom.texts import WECOM_EN, WECOM_ZH


def test_a_note_carries_its_text_and_the_catalog_key_it_came_from() -> None:
    made = note("m1", Address("wecom", "LiJingLi"), "en", "wecom.replying", ticket=12)
    assert made.kind is NoticeKind.NOTE
    assert made.params["about"] == "wecom.replying"
    assert made.params["text"] == "OK, your next message answers ticket #12."


def test_a_note_to_a_manager_on_telegram_renders_there() -> None:
    # A kf delivery failure goes to wherever the ticket's manager is reached, Telegram too.
    made = note(
        "m1", Address("telegram", "5001"), "zh", "wechat.send_failed", ticket=3, retailer="张伟"
    )
    rendered = Renderer(ZoneInfo("Asia/Shanghai")).render(made)
    assert "工单 #3" in rendered.text and "张伟" in rendered.text  # type: ignore[union-attr]


def test_both_languages_have_the_wechat_words_with_the_same_blanks() -> None:
    assert set(WECOM_ZH) == set(WECOM_EN)
    for key in WECOM_ZH:
        assert fields(WECOM_ZH[key]) == fields(WECOM_EN[key]), key


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
