"""The four ways a complaint used to leak, played against the real application.

An album, a follow-up without a reply, a text too long for one message and a slow writer: each
reaches the supervisor, and no call of any kind to any manager's chat carries any of it.
"""

from __future__ import annotations

from pathlib import Path

from handlers.telegram.standin import Standin
from tests.e2e.harness import FakeClock, buttons, running_desk, settings_with, tick
from tests.e2e.test_complaints import everything_sent_to

FIRST = "李经理说软中华没货，可隔壁店天天有。"
FOLLOW_UP = "还有，他上周骂了我"
LONG = "他不给我软中华，" * 506  # 4,048 characters: over the question limit, under Telegram's
SLOW = "我想起来了，上个月也是这样"
AFTER_SILENCE = "他到底还来不来"
CAPTION = "证据照片"
SECRETS = (FIRST, FOLLOW_UP, "他不给我软中华", SLOW, AFTER_SILENCE, CAPTION, "投诉", "保密")


async def test_nothing_of_a_complaint_reaches_any_manager(tg: Standin, tmp_path: Path) -> None:
    zhang, liu = tg.get_user(9001), tg.get_user(9002)
    settings = settings_with(tg, tmp_path)  # the default quiet period: 2 hours
    async with running_desk(settings, tg, clock=FakeClock()) as app:
        zhang.send("/complain")
        await tg.wait_message(9001, contains="只会发给陈主任")
        zhang.send(FIRST)
        await tg.wait_message(7001, contains=FIRST)

        # 1. An album: three photos, one message each.
        for caption in (CAPTION, None, None):
            zhang.send_photo(caption, album="album-1")
        await tg.wait_for(lambda: len(copies_to(tg, 7001)) == 3)
        # 2. A follow-up typed without using reply.
        zhang.send(FOLLOW_UP)
        await tg.wait_message(7001, contains=FOLLOW_UP)
        # 3. A text too long for a question: taken whole, in parts.
        zhang.send(LONG)
        await tg.wait_for(lambda: "".join(tg_texts(tg, 7001)).count("他不给我软中华") >= 506)
        # 4. A slow writer, 45 minutes later (the old prompt lapsed after 30).
        await tick(app, minutes=45)
        zhang.send(SLOW)
        await tg.wait_message(7001, contains=SLOW)

        # Meanwhile another retailer's question reaches their manager as always.
        liu.send("周末送货吗？")
        await tg.wait_message(5002, contains="周末送货吗")

        # Long after the last word, a message may be either: the retailer is asked.
        await tick(app, hours=2, minutes=10)
        zhang.send(AFTER_SILENCE)
        choice = await tg.wait_message(9001, contains="要发给谁")
        assert buttons(choice) == ["held:s", "held:m"]
        zhang.press(choice, "held:s")
        await tg.wait_message(7001, contains=AFTER_SILENCE)

        # Leaving the conversation sends the next question to the manager, and only that.
        zhang.send("/done")
        await tg.wait_message(9001, contains="保密对话已结束")
        zhang.send("明天送货吗？")
        await tg.wait_message(5001, contains="明天送货吗")

    for manager_chat in (5001, 5002):
        sent = everything_sent_to(tg, manager_chat)
        leaked = [call for call in sent for secret in SECRETS if secret in call]
        assert leaked == [], leaked
        assert copies_to(tg, manager_chat) == []
    manager_saw = [m.get("text") or m.get("caption") or "" for m in tg.inbox(5001)]
    assert len(manager_saw) == 1
    assert manager_saw[0].startswith("🆕 工单 #2 · 张伟（张记烟酒店）\n明天送货吗？")


def copies_to(tg: Standin, chat_id: int) -> list[object]:
    """Return the media the bot copied into a chat."""
    return [c for c in tg.calls_to("copyMessage") if str(c.params.get("chat_id")) == str(chat_id)]


def tg_texts(tg: Standin, chat_id: int) -> list[str]:
    """Return the texts of the bot's messages in a chat."""
    return [m.get("text") or "" for m in tg.inbox(chat_id)]
