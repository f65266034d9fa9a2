"""A confidential complaint: the supervisor answers it, and the manager provably never sees it."""

from __future__ import annotations

import json
from pathlib import Path

from handlers.telegram.standin import Standin
from tests.e2e.harness import FAST_LADDER, FakeClock, buttons, running_desk, settings_with, tick

COMPLAINT = "李经理说软中华没货，可隔壁店天天有。"
MORE = "他还嫌我订得少"
THANKS = "谢谢主任"
SECRETS = (COMPLAINT, MORE, THANKS, "投诉", "complaint", "Complaint", "保密", "陈主任")


def everything_sent_to(tg: Standin, chat_id: int) -> list[str]:
    """Return every Bot API call the bot made towards a chat, as text."""
    return [
        # An uploaded file (the CSV of /mystats) is read as the text it holds.
        json.dumps(
            call.params, ensure_ascii=False, default=lambda f: f.data.decode("utf-8", "replace")
        )
        for call in tg.calls
        if str(call.params.get("chat_id")) == str(chat_id)
    ]


async def test_a_complaint_goes_to_the_supervisor_and_never_reaches_the_manager(
    tg: Standin, tmp_path: Path
) -> None:
    zhang, li, chen = tg.get_user(9001), tg.get_user(5001), tg.get_user(7001)
    settings = settings_with(
        tg,
        tmp_path,
        complaints={"steps": [{"after": 2}]},
        escalation={"steps": FAST_LADDER, "sweep_every": 1},
    )
    async with running_desk(settings, tg, clock=FakeClock()) as app:
        zhang.start()
        menu = await tg.wait_message(9001, contains="/complain")
        assert "menu:complain" in buttons(menu)
        zhang.press(menu, "menu:complain")
        prompt = await tg.wait_message(9001, contains="只会发给陈主任")
        assert "李经理不会看到" in prompt["text"]
        assert buttons(prompt) == ["cancel"]

        zhang.send(COMPLAINT)
        ack = await tg.wait_message(9001, contains="已保密转给陈主任")
        complaint = await tg.wait_message(7001, contains=COMPLAINT)
        assert "张伟（张记烟酒店）投诉客户经理李经理" in complaint["text"]
        await tick(app, seconds=1.9)
        assert not any("第 1 次提醒" in (m.get("text") or "") for m in tg.inbox(7001))
        await tick(app, seconds=0.1)
        nudge = await tg.wait_message(7001, contains="第 1 次提醒", timeout=1)
        assert "投诉 #1" in nudge["text"]

        # Back with the manager, an ordinary question the same day goes to them, as always.
        assert buttons(ack) == ["cpdone"]
        zhang.press(ack, "cpdone")
        await tg.wait_message(9001, contains="保密对话已结束")
        zhang.send("明天送货吗？")
        question = await tg.wait_message(5001, contains="明天送货吗")
        li.send("/queue")
        queue = await tg.wait_message(5001, contains="未结工单")
        # The question's own ladder runs meanwhile: its reminder and escalation say nothing.
        await tick(app, seconds=2)
        await tg.wait_message(5001, contains="提醒", timeout=1)
        await tick(app, seconds=2)
        await tg.wait_message(5002, contains="升级", timeout=1)

        chen.send("收到，我会核实李经理的情况。", reply_to=complaint)
        reply = await tg.wait_message(9001, contains="收到，我会核实")
        assert "陈主任答复您的投诉 #1" in reply["text"]
        zhang.send(THANKS, reply_to=reply)
        await tg.wait_message(7001, contains=THANKS)
        zhang.send(f"/complain {MORE}")
        await tg.wait_message(7001, contains=MORE)

        li.send("明天上午送到。", reply_to=question)
        await tg.wait_message(9001, contains="明天上午送到")
        # The manager's own figures: the text, the chart and the table say nothing of it.
        li.send("/mystats")
        await tg.wait_for(lambda: len(tg.calls_to("sendDocument")) == 1)
        chen.send("/report")
        report = await tg.wait_message(7001, contains="客服响应周报")
        assert "投诉1" in report["text"]  # one complaint, however many messages
        chen.press(complaint, "cpx:1")
        await tg.wait_message(9001, contains="已由陈主任结案")

    assert ack and queue
    for staff_chat in (5001, 5002):
        sent = everything_sent_to(tg, staff_chat)
        leaked = [call for call in sent for secret in SECRETS if secret in call]
        assert leaked == [], leaked
    # The manager's chat holds exactly what the ordinary question brought.
    manager_saw = [m.get("text") or m.get("caption") or "" for m in tg.inbox(5001)]
    assert manager_saw[0].startswith("🆕 工单 #1 · 张伟（张记烟酒店）\n明天送货吗？")
    assert sorted(text[:2] for text in manager_saw[1:4]) == sorted(["⏰ ", "您的", "✓ "])
    assert manager_saw[4].startswith("客服响应周报")  # /mystats
    table = [c for c in tg.calls_to("sendDocument") if str(c.params["chat_id"]) == "5001"]
    assert len(table) == 1
