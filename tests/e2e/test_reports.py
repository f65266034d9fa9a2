"""Supervisors get the weekly summary once, with chart and table; staff ask on demand."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.app import RetailDesk, build, serve
from desk.clock import ShiftedClock
from handlers.telegram.standin import Standin
from reports import DrawChart, WeeklySummary, draw_here
from tests.e2e.harness import desk_settings, running_desk

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY_MORNING = datetime(2026, 11, 30, 9, 5, tzinfo=SHANGHAI)  # 2026-W49 begins; W48 is due
FRIDAY_BEFORE = datetime(2026, 11, 27, 10, 0, tzinfo=SHANGHAI)  # in W48; W47 is due


def kinds(tg: Standin, chat: int) -> list[str]:
    found = []
    for message in tg.inbox(chat):
        found += [k for k in ("text", "photo", "document") if message.get(k)]
    return found


async def test_the_weekly_summary_goes_out_once_across_restarts(
    tg: Standin, tmp_path: Path
) -> None:
    settings = desk_settings(tg, tmp_path)
    # The desk began in W48 (a week before it existed is never summarized).
    async with running_desk(settings, tg, clock=ShiftedClock(FRIDAY_BEFORE)):
        tg.get_user(9001).send("下周有货吗？")
        question = await tg.wait_message(5001, contains="下周有货吗")
        tg.get_user(5001).send("有。", reply_to=question)
        await tg.wait_message(9001, contains="有。")
    assert tg.inbox(7001) == []
    async with running_desk(settings, tg, clock=ShiftedClock(MONDAY_MORNING)):
        await tg.wait_for(lambda: len(tg.inbox(7001)) >= 3, timeout=20)
    text, photo, table = tg.inbox(7001)[:3]
    assert "2026-W48" in text["text"]
    assert "李经理" in text["text"]
    assert photo.get("photo")
    assert table["document"]["file_name"].endswith(".csv")

    async with running_desk(settings, tg, clock=ShiftedClock(MONDAY_MORNING)):
        tg.get_user(7001).send("/queue")  # something to wait on, so the restart has settled
        await tg.wait_message(7001, contains="未结工单")
    assert kinds(tg, 7001) == ["text", "photo", "document", "text"]


async def test_staff_ask_for_figures_and_others_are_refused(tg: Standin, tmp_path: Path) -> None:
    async with running_desk(desk_settings(tg, tmp_path), tg):
        tg.get_user(7001).send("/report 2026-W47")
        summary = await tg.wait_message(7001, contains="2026-W47")
        assert "王经理" in summary["text"]
        await tg.wait_for(lambda: "document" in kinds(tg, 7001), timeout=15)

        tg.get_user(5001).send("/mystats")
        mine = await tg.wait_message(5001, contains="李经理")
        assert "王经理" not in mine["text"]

        tg.get_user(5001).send("/report")
        assert "仅供主管" in (await tg.wait_message(5001, contains="/report"))["text"]
        tg.get_user(7001).send("/report 2026-W99")
        assert "ISO" in (await tg.wait_message(7001, contains="ISO"))["text"]
        tg.get_user(7001).send("/report 2999-W52")
        await tg.wait_message(7001, contains="2999-W52 还没开始")
        # The week in progress is counted as it stands, and says so.
        tg.get_user(7001).send("/report")
        await tg.wait_message(7001, contains="本周尚未结束")
        for outsider in (9001, 6660001):
            person = tg.get_user(outsider) if outsider == 9001 else tg.user(outsider, "路人甲")
            person.send("/report")
            person.send("/mystats")
        await tg.wait_for(lambda: len(tg.inbox(9001)) >= 2, timeout=10)
    assert all("仅供" in m["text"] for m in tg.inbox(9001))


class HeldCharts:
    """A chart drawer the test holds open: it says it is drawing, and draws once released."""

    def __init__(self) -> None:
        self.drawing = asyncio.Event()
        self.release = asyncio.Event()

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[DrawChart]:
        async def draw(summary: WeeklySummary, lang: str) -> bytes:
            self.drawing.set()
            await self.release.wait()
            return await draw_here(summary, lang)

        yield draw


@asynccontextmanager
async def serving(app: RetailDesk) -> AsyncIterator[None]:
    stop = asyncio.Event()
    task = asyncio.create_task(serve(app, stop))
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=15)


async def test_a_question_during_a_summary_delivery_is_acknowledged_before_the_summary(
    tg: Standin, tmp_path: Path
) -> None:
    settings = desk_settings(tg, tmp_path)
    async with running_desk(settings, tg, clock=ShiftedClock(FRIDAY_BEFORE)):
        tg.get_user(9001).send("下周有货吗？")
        question = await tg.wait_message(5001, contains="下周有货吗")
        tg.get_user(5001).send("有。", reply_to=question)
        await tg.wait_message(9001, contains="有。")
    charts = HeldCharts()
    app = build(settings, clock=ShiftedClock(MONDAY_MORNING))
    app.weekly.charts = charts
    async with serving(app):
        # The catch-up delivery of W48 is drawing its chart, and stays there.
        await asyncio.wait_for(charts.drawing.wait(), timeout=15)
        tg.get_user(9002).send("还有中华吗？")
        await tg.wait_message(9002, contains="已收到您的问题")
        assert tg.inbox(7001) == []
        charts.release.set()
        await tg.wait_for(lambda: len(tg.inbox(7001)) >= 3, timeout=20)
    # The stand-in's log of the bot's sends, in the order they reached it.
    chats = [
        int(c.params["chat_id"]) for c in tg.calls if c.status == 200 and "chat_id" in c.params
    ]
    acknowledged = chats.index(9002)
    assert chats.index(7001) > acknowledged
