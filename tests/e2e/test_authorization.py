"""Nobody acts where they do not belong: buttons, replies and staff commands check the role."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from handlers.telegram.standin import Standin
from tests.e2e.harness import desk_mapping, desk_settings, running_desk

BUTTONS = ["on:1", "eta:1:30", "res:1"]
CALLBACK_DATA = re.compile(r"^[a-z]{1,4}(:[0-9a-z._-]{1,40}){0,2}$")


def ticket_state(folder: Path) -> list[tuple[Any, ...]]:
    with sqlite3.connect(folder / "desk.db") as db:
        return db.execute("select * from tickets order by id").fetchall()


def history(folder: Path) -> list[tuple[Any, ...]]:
    """Return what happened to tickets: their events and the notices about them."""
    with sqlite3.connect(folder / "desk.db") as db:
        events = db.execute("select kind, actor from events order by id").fetchall()
        notices = db.execute(
            "select kind, recipient_id from outbox where ticket_id is not null order by id"
        ).fetchall()
    return events + notices


def alerts(tg: Standin, since: int) -> list[str]:
    return [a["text"] for a in tg.answered_callbacks[since:]]


async def asked(tg: Standin) -> dict[str, Any]:
    """Let 张伟 ask; return the question as 李经理 received it, buttons and all."""
    tg.get_user(9001).send("软中华还有货吗？")
    return await tg.wait_message(5001, contains="软中华还有货吗？")


@pytest.mark.parametrize("presser", [9001, 6660001])
async def test_a_retailer_or_stranger_pressing_a_managers_button_changes_nothing(
    tg: Standin, tmp_path: Path, presser: int
) -> None:
    someone = tg.user(presser, "路人") if presser != 9001 else tg.get_user(9001)
    async with running_desk(desk_settings(tg, tmp_path), tg):
        question = await asked(tg)
        own = someone.send("你好")
        before, done = ticket_state(tmp_path), history(tmp_path)
        pressed = len(tg.answered_callbacks)
        for data in BUTTONS:
            # A forged press in their own chat, and a press on the manager's very message.
            someone.press(own, data, force=True)
            someone.press(question, data, force=True)
        await tg.wait_for(lambda: len(tg.answered_callbacks) >= pressed + 2 * len(BUTTONS))
        said = alerts(tg, pressed)
    assert all(text in {"这个命令仅供客户经理和主管使用。", "这个按钮已失效。"} for text in said)
    assert "这个命令仅供客户经理和主管使用。" in said
    assert ticket_state(tmp_path) == before
    # 张伟's own "你好" may join his ticket; nothing else happens to it.
    assert history(tmp_path) in (done, [*done[:2], ("asked", "r1"), *done[2:], ("followup", "m1")])


async def test_a_manager_pressing_another_managers_ticket_changes_nothing(
    tg: Standin, tmp_path: Path
) -> None:
    wang, chen = tg.get_user(5002), tg.get_user(7001)
    async with running_desk(desk_settings(tg, tmp_path), tg):
        await asked(tg)
        # 王经理 and 陈主任 each have a message of their own to press a forged button on.
        for staff in (wang, chen):
            staff.send("/queue")
        mine = await tg.wait_message(5002)
        boss = await tg.wait_message(7001)
        before, done = ticket_state(tmp_path), history(tmp_path)
        pressed = len(tg.answered_callbacks)
        for data in BUTTONS:
            wang.press(mine, data, force=True)
            chen.press(boss, data, force=True)
        await tg.wait_for(lambda: len(tg.answered_callbacks) >= pressed + 2 * len(BUTTONS))
        said = alerts(tg, pressed)
    assert said == ["这不是您负责的工单。"] * 2 * len(BUTTONS)
    assert ticket_state(tmp_path) == before
    assert history(tmp_path) == done
    assert not any("预计多久答复" in (m.get("text") or "") for m in tg.inbox(5002))


async def test_a_reply_to_a_message_id_from_another_chat_is_not_an_answer(
    tg: Standin, tmp_path: Path
) -> None:
    wang, chen = tg.get_user(5002), tg.get_user(7001)
    async with running_desk(desk_settings(tg, tmp_path), tg):
        question = await asked(tg)
        before, done = ticket_state(tmp_path), history(tmp_path)
        for staff, chat in ((wang, 5002), (chen, 7001)):
            # Fill the chat until a message of its own has the question's number.
            while tg.world.message(chat, question["message_id"]) is None:
                staff.send("/queue")
                await tg.wait_message(chat)
            staff.send("有货，我来答。", reply_to=question["message_id"])
            refusal = await tg.wait_message(chat, contains="回复某个工单消息")
            assert refusal
    assert ticket_state(tmp_path) == before
    assert [h for h in history(tmp_path) if h[0] in {"answered", "answer"}] == []
    assert history(tmp_path) == done
    assert not any("有货，我来答" in (m.get("text") or "") for m in tg.inbox(9001))


@pytest.mark.parametrize(
    "command", ["/queue", "/away 2099-01-01 m2", "/back", "/report", "/mystats"]
)
async def test_staff_commands_refuse_anyone_without_the_role(
    tg: Standin, tmp_path: Path, command: str
) -> None:
    stranger = tg.user(6660001, "路人")
    async with running_desk(desk_settings(tg, tmp_path), tg):
        for person in (tg.get_user(9001), stranger):
            person.send(command)
            refusal = await tg.wait_message(person.id)
            assert "仅供客户经理和主管使用" in refusal["text"], (person, refusal["text"])
        # Staff in a group chat get nothing there either.
        tg.get_user(5001).send_in_group(-4001, "烟草群", command)
        in_group = await tg.wait_message(-4001)
        assert "私聊" in in_group["text"] or "仅供" in in_group["text"]
    for chat in (9001, 6660001, -4001):
        texts = " ".join(m.get("text") or "" for m in tg.inbox(chat))
        assert "工单" not in texts and "#" not in texts, "no ticket or figure leaked"


async def test_a_manager_gets_no_supervisors_report_and_the_other_way_round(
    tg: Standin, tmp_path: Path
) -> None:
    async with running_desk(desk_settings(tg, tmp_path), tg):
        tg.get_user(5001).send("/report")
        assert await tg.wait_message(5001, contains="仅供")
        tg.get_user(7001).send("/mystats")
        assert await tg.wait_message(7001, contains="仅供")
    assert not any("周报" in (m.get("text") or "") for m in tg.inbox(5001))


def two_teams(tg: Standin, folder: Path) -> Settings:
    """Return settings where 陈主任 leads 李经理 and 周主任 leads 王经理."""
    mapping = desk_mapping(tg, folder)
    mapping["supervisors"].append({"id": "s2", "name": "周主任", "telegram_id": 7002})
    mapping["managers"][1]["supervisor"] = "s2"
    return Settings.from_mapping(mapping, env={}, config_dir=folder)


async def test_a_supervisor_sees_only_their_own_team(tg: Standin, tmp_path: Path) -> None:
    tg.user(7002, "周主任")
    async with running_desk(two_teams(tg, tmp_path), tg):
        for retailer, manager in ((9001, 5001), (9002, 5002)):
            tg.get_user(retailer).send("请问有货吗？")
            question = await tg.wait_message(manager, contains="请问有货吗？")
            tg.get_user(manager).send("有的。", reply_to=question)
            await tg.wait_message(retailer, contains="有的。")
        reports = {}
        for supervisor in (7001, 7002):
            tg.get_user(supervisor).send("/report")
            # This week's figures: one question each, not last week's empty catch-up summary.
            report = await tg.wait_message(supervisor, contains="1问", timeout=20)
            reports[supervisor] = report["text"]
    assert "李经理" in reports[7001]
    assert "王经理" not in reports[7001]
    assert "王经理" in reports[7002]
    assert "李经理" not in reports[7002]


async def test_every_button_carries_ids_only(tg: Standin, tmp_path: Path) -> None:
    async with running_desk(desk_settings(tg, tmp_path), tg):
        question = await asked(tg)
        tg.get_user(5001).press(question, "on:1")
        await tg.wait_message(5001, contains="预计多久答复")
        tg.get_user(9001).send("/start")
        await tg.wait_message(9001, contains="直接发送")
    markups = [
        button.get("callback_data")
        for chat in (5001, 9001)
        for message in tg.inbox(chat)
        for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])
        for button in row
    ]
    assert markups, "some buttons were shown"
    for data in markups:
        assert data is not None
        assert CALLBACK_DATA.match(data), data
        assert "软中华" not in data and "9001" not in data and "张伟" not in data
