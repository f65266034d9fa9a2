"""`retaildesk demo` plays its story on the shipped config.toml and shows every step."""

from __future__ import annotations

import pytest

from bot.demo import play


@pytest.mark.xdist_group("long")
async def test_the_demo_story_plays_to_the_end(capsys: pytest.CaptureFixture[str]) -> None:
    assert await play() == 0
    shown = capsys.readouterr().out
    for step in (
        "已收到您的问题",
        "⏰ 提醒",
        "🚨 升级",
        "王经理：张老板您好",
        "仅对已登记的零售户开放",
    ):
        assert step in shown
