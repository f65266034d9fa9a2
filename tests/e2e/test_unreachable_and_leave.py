"""A manager who blocked the bot is skipped at once; a manager on leave hands over explicitly."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from handlers.telegram.standin import Standin
from tests.e2e.harness import FAST_LADDER, FakeClock, desk_settings, running_desk


async def test_a_blocked_manager_is_skipped_at_once(tg: Standin, tmp_path: Path) -> None:
    tg.get_user(5001).block()
    # The backup step is due at 4 s, but this clock never moves: the backup hears of the
    # question only if the unreachable manager is skipped at once.
    async with running_desk(desk_settings(tg, tmp_path, FAST_LADDER), tg, clock=FakeClock()):
        tg.get_user(9001).send("今天能送货吗？")
        escalation = await tg.wait_message(5002, contains="今天能送货吗", timeout=10)
        assert "升级" in escalation["text"]
    with sqlite3.connect(tmp_path / "desk.db") as db:
        rows = db.execute("select kind, target, delivered from events").fetchall()
    unreachable = [r for r in rows if r[0] == "unreachable"]
    assert {r[1] for r in unreachable} == {"m1"}
    assert ("escalated", "m2", 1) in rows


async def test_leave_hands_tickets_to_the_named_colleague(tg: Standin, tmp_path: Path) -> None:
    li, zhang = tg.get_user(5001), tg.get_user(9001)
    async with running_desk(desk_settings(tg, tmp_path), tg):
        li.send("/away 2099-12-03")
        usage = await tg.wait_message(5001)
        assert "必须指定代班同事" in usage["text"]
        li.send("/away 2099-12-03 m2")
        confirmed = await tg.wait_message(5001, contains="王经理")
        assert "2099-12-03" in confirmed["text"]
        handover = await tg.wait_message(7001, contains="交接")
        assert "李经理" in handover["text"]
        assert "王经理" in handover["text"]

        zhang.send("下周的货能提前吗？")
        ack = await tg.wait_message(9001)
        assert "王经理" in ack["text"]
        assert "李经理" in ack["text"]
        await tg.wait_message(5002, contains="下周的货能提前吗")

        li.send("/back")
        assert "欢迎回来" in (await tg.wait_message(5001, contains="欢迎回来"))["text"]
    assert not any("下周的货" in (m.get("text") or "") for m in tg.inbox(5001))


async def test_staff_commands_refuse_retailers(tg: Standin, tmp_path: Path) -> None:
    async with running_desk(desk_settings(tg, tmp_path), tg):
        for command in ("/queue", "/away 2099-01-01 m2", "/back"):
            tg.get_user(9001).send(command)
            refusal = await tg.wait_message(9001)
            assert "仅供客户经理和主管使用" in refusal["text"]
        assert tg.inbox(5001) == []
