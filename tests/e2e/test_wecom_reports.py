"""A WeCom supervisor gets the weekly summary in the app: text, chart and table, in their language."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config import Settings
from desk.clock import ShiftedClock
from handlers.wecom.standin import WecomStandin
from tests.e2e.harness import FakeClock
from tests.e2e.wecom_harness import (
    MEMBERS,
    app_to,
    kf_to,
    link_of,
    running_wecom,
    said,
    until,
    wecom_mapping,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY_MORNING = datetime(2026, 11, 30, 9, 5, tzinfo=SHANGHAI)  # 2026-W49 begins; W48 is due
FRIDAY_BEFORE = datetime(2026, 11, 27, 10, 0, tzinfo=SHANGHAI)  # in W48
ZHANG = "wmZhangWei0001"


@pytest.fixture
async def wecom() -> AsyncIterator[WecomStandin]:
    # The stand-in keeps its own time; the desk's clock is the one each run shifts.
    async with WecomStandin(FakeClock(FRIDAY_BEFORE), members=set(MEMBERS)) as standin:
        yield standin


def english_supervisor(wecom: WecomStandin, folder: Path) -> Settings:
    mapping = wecom_mapping(wecom, folder)
    mapping["supervisors"][0]["lang"] = "en"
    return Settings.from_mapping(mapping, env={}, config_dir=folder)


async def test_the_weekly_summary_reaches_a_wecom_supervisor_as_text_chart_and_table(
    wecom: WecomStandin, tmp_path: Path
) -> None:
    settings = english_supervisor(wecom, tmp_path)
    async with running_wecom(settings, wecom, ShiftedClock(FRIDAY_BEFORE)):
        await wecom.retailer_enters(ZHANG, link_of("r1"))
        await wecom.retailer_writes(ZHANG, "下周有货吗？")
        await until(lambda: app_to(wecom, "LiJingLi", "template_card"))
        await wecom.staff_writes("LiJingLi", "#1 有。")
        await until(lambda: [d for d in kf_to(wecom, ZHANG) if "有。" in said(d)])
    assert app_to(wecom, "ChenZhuRen") == []

    async with running_wecom(settings, wecom, ShiftedClock(MONDAY_MORNING)):
        await until(lambda: len(app_to(wecom, "ChenZhuRen")) >= 3, timeout=30)
    text, chart, table = app_to(wecom, "ChenZhuRen")
    assert [text.msgtype, chart.msgtype, table.msgtype] == ["text", "image", "file"]
    summary = said(text)
    assert "2026-W48" in summary and "李经理" in summary
    assert summary.startswith("Response-time report") and "客服响应周报" not in summary
    # The chart and the table were uploaded first, and the messages name what was uploaded.
    image = wecom.media.get(chart.body["media_id"])
    csv = wecom.media.get(table.body["media_id"])
    assert image.content.startswith(b"\x89PNG")
    assert csv.filename.endswith(".csv") and "李经理" in csv.content.decode("utf-8-sig")
    assert [c.query.get("type") for c in wecom.calls_to("media/upload")] == ["image", "file"]
