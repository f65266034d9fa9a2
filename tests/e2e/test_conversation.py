"""A retailer asks, the manager answers, nobody else can: the foundation's conversation."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from handlers.telegram import menus
from handlers.telegram.standin import Standin
from storage.tables import events
from tests.e2e.harness import desk_settings, running_desk


def buttons(message: dict) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]


async def test_question_answer_and_nobody_else(tg: Standin, tmp_path: Path) -> None:
    zhang, li, wang = tg.get_user(9001), tg.get_user(5001), tg.get_user(5002)
    async with running_desk(desk_settings(tg, tmp_path), tg) as app:
        zhang.send("软中华还有货吗？")
        ack = await tg.wait_message(9001)
        assert "李经理" in ack["text"]
        assert "#1" in ack["text"]

        question = await tg.wait_message(5001, contains="软中华还有货吗？")
        assert "张伟" in question["text"]
        assert "张记烟酒店" in question["text"]
        assert buttons(question) == ["on:1", "res:1"]

        # 王经理 replies to a message of his own whose id equals the question's id in 李经理's chat.
        while not tg.inbox(5002) or tg.inbox(5002)[-1]["message_id"] < question["message_id"]:
            wang.send("/queue")
            await tg.wait_message(5002)
        wang.send("有货！", reply_to=question["message_id"])
        refusal = await tg.wait_message(5002, contains="回复某个工单消息")
        assert refusal

        li.send("有的，明早给您送两条。", reply_to=question)
        answer = await tg.wait_message(9001)
        assert answer["text"] == "李经理：有的，明早给您送两条。"
        assert not any("有货！" in (m.get("text") or "") for m in tg.inbox(9001))

        async with app.store.reading() as conn:
            answered = (await conn.execute(select(events).where(events.c.kind == "answered"))).all()
        assert len(answered) == 1
        assert answered[0].actor == "m1"
        assert answered[0].seconds > 0


async def test_a_stranger_reaches_no_one(tg: Standin, tmp_path: Path) -> None:
    stranger = tg.user(6660001, "路人甲")
    async with running_desk(desk_settings(tg, tmp_path), tg):
        stranger.send("你好，我想进货")
        reply = await tg.wait_message(6660001)
        assert "登记" in reply["text"]
        assert tg.keyboard(6660001) is not None
        for manager_chat in (5001, 5002):
            assert tg.inbox(manager_chat) == []
        # The supervisor may get last week's summary at start-up, but nothing of the stranger's.
        seen = " ".join(m.get("text") or m.get("caption") or "" for m in tg.inbox(7001))
        assert "我想进货" not in seen
        assert "路人甲" not in seen


async def test_sharing_own_phone_links_the_retailer(tg: Standin, tmp_path: Path) -> None:
    zhao = tg.user(9003, "赵强")
    async with running_desk(desk_settings(tg, tmp_path), tg):
        zhao.share_contact("+86 138 0000 0003", user_id=4242)
        refusal = await tg.wait_message(9003)
        assert "本人" in refusal["text"]
        zhao.share_contact("+86 138 0000 0003")
        welcome = await tg.wait_message(9003, contains="绑定成功")
        assert "李经理" in welcome["text"]
        zhao.send_photo(caption="这批货受潮了")
        await tg.wait_message(9003, contains="已收到")
        copied = await tg.wait_message(5001, contains="这批货受潮了")
        assert copied.get("photo")


async def test_an_unknown_command_shows_the_retailer_what_they_can_do(
    tg: Standin, tmp_path: Path
) -> None:
    zhang, liu = tg.get_user(9001), tg.get_user(9002)
    async with running_desk(desk_settings(tg, tmp_path), tg):
        zhang.send("/foobar 明天")
        help_text = await tg.wait_message(9001, contains="/complain")
        assert buttons(help_text)  # the menu, as /start shows it
        # A slash in a price or before Chinese is no command: these are questions.
        zhang.send("1/2条 怎么算")
        liu.send("/价格")
        await tg.wait_message(5001, contains="1/2条 怎么算")
        await tg.wait_message(5002, contains="/价格")
    assert not any("foobar" in (m.get("text") or "") for m in tg.inbox(5001))


async def test_typing_a_slash_shows_each_person_their_commands(tg: Standin, tmp_path: Path) -> None:
    everyone = (json.dumps({"type": "default"}, sort_keys=True), "")
    li = (json.dumps({"chat_id": 5001, "type": "chat"}, sort_keys=True), "")
    async with running_desk(desk_settings(tg, tmp_path), tg):
        await tg.wait_for(lambda: li in tg.world.commands)
    assert [c["command"] for c in tg.world.commands[everyone]] == list(menus.RETAILER)
    assert [c["command"] for c in tg.world.commands[li]] == list(menus.MANAGER)
    assert "订货" in tg.world.commands[everyone][1]["description"]
