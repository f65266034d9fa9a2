"""A phone shared from a second account never takes a linked retailer's chat on its own."""

from __future__ import annotations

from pathlib import Path

from handlers.telegram.standin import Standin
from tests.e2e.harness import desk_settings, running_desk


def buttons(message: dict) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]


async def test_a_second_account_sharing_a_linked_phone_needs_the_managers_button(
    tg: Standin, tmp_path: Path
) -> None:
    li, wang = tg.get_user(5001), tg.get_user(5002)
    new_phone = tg.user(9100, "张伟")
    async with running_desk(desk_settings(tg, tmp_path), tg):
        # Telegram shares the account's own number as international digits without "+".
        new_phone.share_contact("8613800000001")
        told = await tg.wait_message(9100)
        assert "联系您的客户经理" in told["text"]
        tried = await tg.wait_message(9001, contains="分享了您的手机号")
        assert "李经理" in tried["text"]
        claim = await tg.wait_message(5001, contains="张伟（张记烟酒店）")
        assert buttons(claim) == ["lnk:9100"]

        # Until the manager confirms, the new account is a stranger.
        new_phone.send("还在吗？")
        assert "登记" in (await tg.wait_message(9100))["text"]

        # 王经理 forges the press on a message of his own: refused, nothing moves.
        wang.send("/queue")
        own = await tg.wait_message(5002)
        pressed = len(tg.answered_callbacks)
        wang.press(own, "lnk:9100", force=True)
        await tg.wait_for(lambda: len(tg.answered_callbacks) > pressed)
        assert tg.answered_callbacks[-1]["text"] == "这个按钮已失效。"

        li.press(claim, "lnk:9100")
        await tg.wait_for(lambda: len(tg.answered_callbacks) > pressed + 1)
        assert tg.answered_callbacks[-1]["text"] == "已改绑，新旧两个账号都已收到通知。"
        moved = await tg.wait_message(9100, contains="现在绑定到这个聊天账号")
        assert "李经理" in moved["text"]
        await tg.wait_message(9001, contains="改绑到另一个聊天账号")

        new_phone.send("换了新号，货到了吗？")
        question = await tg.wait_message(5001, contains="换了新号")
        assert "张伟" in question["text"]
    assert not any("还在吗" in (m.get("text") or "") for m in tg.inbox(5001))


async def test_a_phone_shared_by_the_linked_account_itself_just_welcomes_again(
    tg: Standin, tmp_path: Path
) -> None:
    zhang = tg.get_user(9001)
    async with running_desk(desk_settings(tg, tmp_path), tg):
        zhang.share_contact("8613800000001")
        await tg.wait_message(9001, contains="绑定成功")
        assert tg.inbox(5001) == []
