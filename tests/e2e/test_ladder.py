"""The manager stays silent: reminder, backup and supervisor steps fire on time, once."""

from __future__ import annotations

import time
from pathlib import Path

from handlers.telegram.standin import Standin
from tests.e2e.harness import (
    FAST_LADDER,
    DeskProcess,
    desk_mapping,
    desk_settings,
    running_desk,
    supervisor_inbox,
    write_config,
)

ON_TIME = 1.0


async def test_silence_climbs_the_ladder_and_the_backup_answers(
    tg: Standin, tmp_path: Path
) -> None:
    zhang = tg.get_user(9001)
    wang = tg.get_user(5002)
    async with running_desk(desk_settings(tg, tmp_path, FAST_LADDER), tg):
        zhang.send("烟柜的灯坏了，怎么报修？")
        asked = time.monotonic()
        await tg.wait_message(5001, contains="烟柜的灯坏了")
        reminder = await tg.wait_message(5001, contains="提醒", timeout=10)
        reminded = time.monotonic()
        escalation = await tg.wait_message(5002, contains="升级", timeout=10)
        escalated = time.monotonic()
        assert "李经理" in escalation["text"]  # who was already notified
        assert "烟柜的灯坏了" in escalation["text"]
        assert abs(reminded - asked - 2) < ON_TIME, reminder
        assert abs(escalated - asked - 4) < ON_TIME

        wang.send("张老板，明天上午师傅上门。", reply_to=escalation)
        answer = await tg.wait_message(9001, contains="师傅上门")
        assert answer["text"].startswith("王经理：")
        # The supervisor's step (due at 6 s) never comes once the backup has answered.
        settle = time.monotonic() + 4
        await tg.wait_for(lambda: time.monotonic() > settle, timeout=8)
    assert supervisor_inbox(tg) == []
    assert len([m for m in tg.inbox(5001) if "提醒" in m.get("text", "")]) == 1


async def test_the_supervisor_hears_when_nobody_answers(tg: Standin, tmp_path: Path) -> None:
    async with running_desk(desk_settings(tg, tmp_path, FAST_LADDER), tg):
        tg.get_user(9002).send("订单还没到")
        asked = time.monotonic()
        alert = await tg.wait_message(7001, contains="升级", timeout=12)
        assert abs(time.monotonic() - asked - 6) < ON_TIME
        assert "王经理" in alert["text"]
        assert "李经理" in alert["text"]  # 刘芳's manager is 王经理; 李经理 was his backup


async def test_steps_survive_a_kill_between_them(tg: Standin, tmp_path: Path) -> None:
    desk = DeskProcess(write_config(desk_mapping(tg, tmp_path, FAST_LADDER), tmp_path))
    desk.start()
    await tg.wait_for(lambda: tg.calls_to("getUpdates"), timeout=30)
    tg.get_user(9001).send("能不能多配点细支烟？")
    asked = time.monotonic()
    await tg.wait_message(5001, contains="提醒", timeout=15)
    desk.kill()
    desk.start()
    escalation = await tg.wait_message(5002, contains="升级", timeout=20)
    # A restart costs a few seconds of interpreter start-up; the step fires as soon as it is back.
    assert time.monotonic() - asked < 4 + 5
    await tg.wait_message(7001, contains="升级", timeout=15)
    assert desk.terminate() == 0
    questions = [
        m
        for m in tg.inbox(5001)
        if "能不能多配点细支烟" in (m.get("text") or "") and "🆕" in m["text"]
    ]
    assert len(questions) == 1, "the question is not forwarded again after the restart"
    assert len([m for m in tg.inbox(5002) if "升级" in (m.get("text") or "")]) == 1
    assert escalation
