"""A resolved ticket is rated by its retailer; a low score reaches the supervisor."""

from __future__ import annotations

from pathlib import Path

from handlers.telegram.standin import Standin
from tests.e2e.harness import (
    FakeClock,
    buttons,
    running_desk,
    settings_with,
    supervisor_inbox,
    tick,
)


async def test_a_low_rating_reaches_the_supervisor_with_the_conversation(
    tg: Standin, tmp_path: Path
) -> None:
    zhang, li, liu = tg.get_user(9001), tg.get_user(5001), tg.get_user(9002)
    async with running_desk(settings_with(tg, tmp_path), tg):
        zhang.send("上周的烟受潮了，能换吗？")
        question = await tg.wait_message(5001, contains="受潮")
        li.send("不能换，你自己保管不好。", reply_to=question)
        await tg.wait_message(9001, contains="不能换")
        li.press(question, "res:1")

        ask = await tg.wait_message(9001, contains="请为这次服务打分")
        assert buttons(ask) == [f"rate:1:{score}" for score in range(1, 6)]
        # Only the ticket's own retailer can rate it, even holding the button.
        liu.press(ask, "rate:1:5", force=True)
        zhang.press(ask, "rate:1:1")

        alert = await tg.wait_message(7001, contains="低评分")
        assert "张伟（张记烟酒店）" in alert["text"]
        assert "1 分" in alert["text"]
        assert "李经理" in alert["text"]
        assert "张伟：上周的烟受潮了，能换吗？" in alert["text"]
        assert "李经理：不能换，你自己保管不好。" in alert["text"]

        thanks = await tg.wait_message(9001, contains="谢谢您的评分（1 分）")
        zhang.press(ask, "rate:1:5")
        await tg.wait_for(lambda: len(tg.answered_callbacks) >= 4)
        zhang.press(thanks, "rcm:1")
        await tg.wait_message(9001, contains="请写下您对工单 #1 的评语")
        zhang.send("态度太差了。")
        comment = await tg.wait_message(7001, contains="补充评语")
        assert "态度太差了。" in comment["text"]

    shown = [c.get("text") for c in tg.answered_callbacks]
    assert "这个按钮已失效。" in shown  # 刘芳's press, in 张伟's chat
    assert "这个工单已经评过了，谢谢！" in shown  # 张伟's second press
    assert not any("评分" in (m.get("text") or "") for m in tg.inbox(5001))
    assert len(supervisor_inbox(tg)) == 2


async def test_a_day_after_the_answer_the_retailer_is_asked_once(
    tg: Standin, tmp_path: Path
) -> None:
    zhang, li = tg.get_user(9001), tg.get_user(5001)
    settings = settings_with(tg, tmp_path, ratings={"ask_after": 2})
    async with running_desk(settings, tg, clock=FakeClock()) as app:
        zhang.send("明天几点送货？")
        question = await tg.wait_message(5001, contains="几点送货")
        li.send("上午十点前。", reply_to=question)
        await tg.wait_message(9001, contains="上午十点前")
        await tick(app, seconds=1.9)
        assert not any("请为这次服务打分" in (m.get("text") or "") for m in tg.inbox(9001))
        await tick(app, seconds=0.1)
        ask = await tg.wait_message(9001, contains="请为这次服务打分", timeout=1)
        zhang.press(ask, "rate:1:5")
        await tg.wait_message(9001, contains="谢谢您的评分（5 分）")
        await tick(app, days=2)
    assert len([m for m in tg.inbox(9001) if "请为这次服务打分" in (m.get("text") or "")]) == 1
    assert supervisor_inbox(tg) == []
