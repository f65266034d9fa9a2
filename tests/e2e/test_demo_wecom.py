"""`retaildesk demo --channel wecom` plays the 3 a.m. story on WeChat; plain `demo` stays Telegram's."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from types import SimpleNamespace

import aiohttp
import pytest

from bot.cli import parser
from bot.demo import Timeline
from bot.wecom_demo import Watcher, play_wecom, wired
from handlers.wecom.api import WecomApi
from handlers.wecom.standin import WecomStandin
from tests.unit.fakes import FakeClock


def test_plain_demo_is_still_the_telegram_one():
    assert parser().parse_args(["demo"]).channel == "telegram"
    assert parser().parse_args(["demo", "--channel", "wecom"]).channel == "wecom"


async def test_the_wechat_demo_plays_once_the_channel_is_wired(capsys):
    outcome = await play_wecom()

    shown = capsys.readouterr()
    if not wired():
        # Until the WeChat channel is wired in, the demo says so instead of failing midway.
        assert outcome == 2
        assert "no WeChat channel yet" in shown.err
        return
    assert outcome == 0
    for step in ("已收到您的问题", "⏰ 提醒", "🚨 升级", "王经理：张老板您好"):
        assert step in shown.out


async def test_the_watcher_shows_each_delivery_once_as_it_arrives(capsys):
    clock = FakeClock(datetime(2026, 12, 7, 3, 0, tzinfo=UTC))
    async with WecomStandin(clock, members={"LiJingLi"}) as wx, aiohttp.ClientSession() as session:
        api = WecomApi(
            session,
            corp_id=wx.corp_id,
            secret=wx.secret,
            agent_id=wx.agent_id,
            clock=clock,
            base_url=wx.base_url,
        )
        timeline = Timeline(clock, SimpleNamespace(zone=lambda: UTC))
        see = Watcher(wx, timeline)

        later = asyncio.create_task(api.send_text(["LiJingLi"], "第一条"))
        assert await see.staff_sees("LiJingLi", "李经理") == "第一条"
        await later
        await api.send_text(["LiJingLi"], "第二条")
        assert await see.staff_sees("LiJingLi", "李经理") == "第二条"
        with pytest.raises(TimeoutError):
            await see.staff_sees("LiJingLi", "李经理", within=0.2)

    assert [line.split()[-1] for line in timeline.lines] == ["第一条", "第二条"]
