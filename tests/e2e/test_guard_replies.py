"""Refusals and notices speak the language each person picked, and fit who they are."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from handlers.telegram.standin import Standin
from tests.e2e.harness import desk_settings, running_desk

STALE = "这个按钮已失效。"
STALE_EN = "That button no longer works."


def tickets(folder: Path) -> list[tuple[Any, ...]]:
    with sqlite3.connect(folder / "desk.db") as db:
        return db.execute("select * from tickets order by id").fetchall()


async def alert(tg: Standin, query_id: str) -> str:
    """Wait for the answer to one press and return its text."""
    answer = await tg.wait_for(
        lambda: next((a for a in tg.answered_callbacks if a["callback_query_id"] == query_id), None)
    )
    return str(answer["text"])


async def asked(tg: Standin, retailer: int = 9001, manager: int = 5001) -> dict[str, Any]:
    """Let a retailer ask; return the question as their manager received it."""
    tg.get_user(retailer).send("软中华还有货吗？")
    return await tg.wait_message(manager, contains="软中华还有货吗？")


def reply_with_sticker(tg: Standin, who: int, question: dict[str, Any]) -> None:
    """Send a sticker in reply to a message in the sender's own chat."""
    world = tg.world
    sticker = {"file_id": "S1", "file_unique_id": "SU1", "type": "regular", "width": 512}
    sticker.update(height=512, is_animated=False, is_video=False, emoji="👍")
    target = world.message(who, question["message_id"])
    message = world.post(
        world.chats[who], world.people[who].as_user(), {"sticker": sticker}, target
    )
    world.enqueue("message", message)


async def test_a_retailer_who_picked_english_is_refused_in_english(
    tg: Standin, tmp_path: Path
) -> None:
    zhang = tg.get_user(9001)  # his chat app speaks Chinese
    async with running_desk(desk_settings(tg, tmp_path), tg):
        question = await asked(tg)
        zhang.send("/lang en")
        await tg.wait_message(9001, contains="in English")

        zhang.edit(zhang.send("Is Zhonghua in stock?"), "Is soft Zhonghua in stock?")
        await tg.wait_message(9001, contains="Edits are not re-sent to your manager")
        zhang.send("/queue")
        await tg.wait_message(9001, contains="That command is for managers and supervisors only.")

        assert await alert(tg, zhang.press(question, "res:1", force=True)) == STALE_EN
        own = zhang.send("hello")
        assert await alert(tg, zhang.press(own, "zzz", force=True)) == STALE_EN
        assert await alert(tg, zhang.press(own, "sup:1:ok", force=True)) == (
            "That command is for managers and supervisors only."
        )


async def test_a_manager_who_edits_is_told_about_the_retailer_in_his_language(
    tg: Standin, tmp_path: Path
) -> None:
    li, wang = tg.get_user(5001), tg.get_user(5002)
    async with running_desk(desk_settings(tg, tmp_path), tg):
        theirs = await asked(tg, 9002, 5002)
        wang.edit(wang.send("有货"), "有的")
        notice = await tg.wait_message(5002, contains="修改后")
        assert notice["text"] == "修改后的消息不会重新发送给零售户，如需更正请再回复一条新消息。"

        li.send("/lang en")
        await tg.wait_message(5001, contains="in English")
        li.edit(li.send("x1"), "x2")
        await tg.wait_message(5001, contains="Edits are not re-sent to the retailer")
        assert await alert(tg, li.press(theirs, "res:2", force=True)) == STALE_EN
    assert not any("客户经理" in (m.get("text") or "") for m in tg.inbox(5002))


async def test_a_managers_sticker_reply_is_said_to_be_unrelayable(
    tg: Standin, tmp_path: Path
) -> None:
    async with running_desk(desk_settings(tg, tmp_path), tg):
        question = await asked(tg)
        reply_with_sticker(tg, 5001, question)
        refusal = await tg.wait_message(5001, contains="无法转给零售户")
        assert "回复某个工单" not in refusal["text"]
    assert not any((m.get("text") or "").startswith("李经理：") for m in tg.inbox(9001))


async def test_junk_or_forged_button_data_no_longer_works(tg: Standin, tmp_path: Path) -> None:
    li = tg.get_user(5001)
    async with running_desk(desk_settings(tg, tmp_path), tg):
        question = await asked(tg)
        before = tickets(tmp_path)
        junk = ("res:abc", "eta:1:7", "res:-1", "res:１", "x" * 64, "sup:1:ok", "sup:1:oos")
        # And well-formed data for tickets that do not exist.
        for data in (*junk, "on:99999", "res:99999", "eta:99999:30"):
            assert await alert(tg, li.press(question, data, force=True)) == STALE, data
    assert tickets(tmp_path) == before


async def test_each_report_command_names_the_role_it_is_for(tg: Standin, tmp_path: Path) -> None:
    async with running_desk(desk_settings(tg, tmp_path), tg):
        tg.get_user(5001).send("/report")
        told = await tg.wait_message(5001, contains="/report")
        assert told["text"] == "/report 仅供主管查看团队汇总；您自己的数据请用 /mystats 查看。"
        tg.get_user(7001).send("/mystats")
        told = await tg.wait_message(7001, contains="/mystats")
        assert told["text"] == "/mystats 仅供客户经理查看本人数据；团队汇总请用 /report 查看。"


async def test_a_command_for_another_bot_is_left_alone(tg: Standin, tmp_path: Path) -> None:
    li = tg.get_user(5001)
    async with running_desk(desk_settings(tg, tmp_path), tg):
        li.send("/report@OtherBot")
        li.send("/queue@OtherBot 2026-W47")
        li.send("/queue@retaildesk_bot")
        await tg.wait_message(5001, contains="未结工单")
    assert [m.get("text") for m in tg.inbox(5001)] == ["您目前没有未结工单。👍"]


async def test_a_reply_after_the_ticket_is_resolved_is_not_relayed_and_says_why(
    tg: Standin, tmp_path: Path
) -> None:
    async with running_desk(desk_settings(tg, tmp_path), tg):
        li = tg.get_user(5001)
        question = await asked(tg)
        li.press(question, "res:1")
        await tg.wait_message(9001, contains="已解决")
        li.send("对了，还有一件事……", reply_to=question)
        told = await tg.wait_message(5001, contains="没有发给零售户")
    assert "已经关闭" in told["text"]
    assert not any("还有一件事" in m.get("text", "") for m in tg.get_user(9001).inbox())
