"""The supervisor steers a silent manager's ticket: a nudge, then a reassignment on Telegram."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from desk.commands import Nudge, Outcome, Reassign
from handlers.telegram.standin import Standin
from tests.e2e.harness import FAST_LADDER, FakeClock, desk_settings, running_desk, tick


def saying(tg: Standin, chat_id: int, words: str) -> list[dict[str, Any]]:
    """Return the bot's messages in a chat that contain these words."""
    return [m for m in tg.inbox(chat_id) if words in (m.get("text") or "")]


async def test_a_nudge_reaches_the_manager_and_his_reply_answers(
    tg: Standin, tmp_path: Path
) -> None:
    settings = desk_settings(tg, tmp_path)
    async with running_desk(settings, tg, clock=FakeClock()) as app:
        tg.get_user(9001).send("软中华什么时候到？")
        await tg.wait_message(5001, contains="软中华什么时候到")

        assert await app.desk.nudge(Nudge("s1", 1)) is Outcome.DONE
        nudge = await tg.wait_message(5001, contains="陈主任请您现在就答复工单 #1")
        assert "软中华什么时候到？" in nudge["text"]
        assert await app.desk.nudge(Nudge("s1", 1)) is Outcome.NUDGED_RECENTLY

        tg.get_user(5001).send("周四到。", reply_to=nudge)
        answer = await tg.wait_message(9001, contains="周四到")
    assert answer["text"] == "李经理：周四到。"
    assert len(saying(tg, 5001, "陈主任请您")) == 1


async def test_a_reassigned_question_is_answered_by_the_new_manager(
    tg: Standin, tmp_path: Path
) -> None:
    zhang, wang = tg.get_user(9001), tg.get_user(5002)
    settings = desk_settings(tg, tmp_path, FAST_LADDER)
    async with running_desk(settings, tg, clock=FakeClock()) as app:
        zhang.send("烟柜的灯坏了，怎么报修？")
        await tg.wait_message(5001, contains="烟柜的灯坏了")
        await tick(app, seconds=1)

        outcome = await app.desk.reassign(Reassign("s1", 1, "m2", "李经理在外地"))

        assert outcome is Outcome.DONE
        given = await tg.wait_message(5002, contains="转给您处理")
        assert "烟柜的灯坏了" in given["text"]
        assert "李经理在外地" in given["text"]
        taken = await tg.wait_message(5001, contains="转给王经理")
        assert "李经理在外地" in taken["text"]
        told = await tg.wait_message(9001, contains="现在由王经理负责")
        assert "#1" in told["text"]
        # The rungs count again from the reassignment: the new manager's reminder comes 2 s
        # after it, and the old manager's, due 2 s after the question, never does.
        await tick(app, seconds=1.9)
        assert saying(tg, 5002, "⏰") == []
        await tick(app, seconds=0.1)
        await tg.wait_message(5002, contains="⏰", timeout=1)

        wang.send("张老板，明天上午师傅上门。", reply_to=given)
        answer = await tg.wait_message(9001, contains="师傅上门")
        await tick(app, hours=1)
    assert answer["text"] == "王经理：张老板，明天上午师傅上门。"
    assert saying(tg, 5001, "⏰") == []
    assert saying(tg, 5001, "🚨") == []


async def test_a_reassignment_the_new_manager_cannot_receive_is_skipped_at_once(
    tg: Standin, tmp_path: Path
) -> None:
    tg.get_user(5002).block()
    settings = desk_settings(tg, tmp_path, FAST_LADDER)
    async with running_desk(settings, tg, clock=FakeClock()) as app:
        tg.get_user(9001).send("烟柜的灯坏了，怎么报修？")
        await tg.wait_message(5001, contains="烟柜的灯坏了")

        assert await app.desk.reassign(Reassign("s1", 1, "m2", "李经理在外地")) is Outcome.DONE

        # This clock never moves: the supervisor hears of the question only if the manager
        # who blocked the bot is skipped as soon as the handover to him fails.
        escalated = await tg.wait_message(7001, contains="烟柜的灯坏了", timeout=10)
    assert "升级" in escalated["text"]
