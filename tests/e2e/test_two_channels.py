"""One desk, two channels: a retailer on one, their manager on the other, the backup on the first.

The desk runs for real (the Telegram stand-in, the app, SQLite, the ladder on a clock the test
moves) with an in-memory channel beside Telegram. The retailer is reached on the in-memory
channel, their manager on Telegram answers by ticket number, and the ladder's second step
reaches the backup on the in-memory channel: every message must land on its own channel and chat.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

from bot.app import RetailDesk
from bot.config import Settings
from desk.answering import numbered
from desk.commands import AnswerTicket, Inbound
from desk.content import Content, ContentKind
from desk.conversation import Receive
from desk.notices import NoticeKind
from desk.people import Address
from desk.service import Desk
from handlers.telegram.standin import Standin
from tests.channels import FakeChannel
from tests.e2e.harness import FakeClock, desk_mapping, running_desk, tick

SHOP_CHAT = "shop-zhang"  # 张伟's chat on the in-memory channel
BACKUP_CHAT = "wang-desk"  # 王经理's chat there; 李经理 is on Telegram only
LADDER = [{"after": "1h", "notify": "manager"}, {"after": "2h", "notify": "backup"}]


async def memo_messages(desk: Desk, update: dict[str, Any]) -> None:
    """Turn an update of the in-memory channel into the desk's commands, as an adapter would."""
    chat = Address("memo", str(update["chat"]))
    photo = update.get("photo")
    kind = ContentKind.PHOTO if photo else ContentKind.TEXT
    text = str(update.get("text", ""))
    content = Content(kind, text, chat, str(update["id"]), file=photo)
    source = Inbound("memo", int(update["id"]))
    someone = await desk.who(chat)
    if someone.staff is not None:
        found = numbered(content)
        assert found is not None, "staff on this channel answer by ticket number"
        ticket, answer = found
        await desk.answer_ticket(AnswerTicket(someone.staff.id, ticket, answer, source))
    else:
        await desk.receive(Receive(chat, content, source))


def two_channel_settings(tg: Standin, folder: Path) -> Settings:
    """Return the small team's config with 王经理 reached on the in-memory channel."""
    mapping = desk_mapping(tg, folder, LADDER)
    backup = next(m for m in mapping["managers"] if m["id"] == "m2")
    backup |= {"chats": {"memo": BACKUP_CHAT}, "reach_on": "memo"}
    return Settings.from_mapping(mapping, env={}, config_dir=folder)


def running(settings: Settings, tg: Standin) -> AbstractAsyncContextManager[RetailDesk]:
    """Run the app with the in-memory channel beside Telegram, on a clock the test moves."""
    return running_desk(settings, tg, FakeClock(), [FakeChannel.maker("memo", memo_messages)])


async def test_a_question_on_one_channel_answered_from_the_other_escalates_on_the_first(
    tg: Standin, tmp_path: Path
) -> None:
    async with running(two_channel_settings(tg, tmp_path), tg) as app:
        memo = app.channels["memo"]
        assert isinstance(memo, FakeChannel)
        # 张伟 links the in-memory chat: his newest contact, so the desk reaches him there.
        async with app.store.transaction() as ledger:
            assert await ledger.link_chat("r1", Address("memo", SHOP_CHAT), None)

        await memo.say(SHOP_CHAT, text="软中华还有货吗？")
        await tg.wait_message(5001, contains="软中华还有货吗？", timeout=10)
        await tg.wait_for(lambda: memo.courier.to(SHOP_CHAT), timeout=10)
        (ack,) = memo.courier.to(SHOP_CHAT)
        assert ack.kind is NoticeKind.ACK and ack.ticket_id == 1

        # An hour: 李经理 is reminded on Telegram. Two: 王经理 hears of it on the other channel.
        await tick(app, hours=1)
        await tg.wait_message(5001, contains="提醒", timeout=10)
        await tick(app, hours=1)
        await tg.wait_for(lambda: memo.courier.to(BACKUP_CHAT), timeout=10)
        (escalation,) = memo.courier.to(BACKUP_CHAT)
        assert (escalation.to, escalation.ticket_id) == ("m2", 1)

        # 李经理 answers from Telegram by the ticket's number; the answer reaches the shop's chat.
        tg.get_user(5001).send("#1 有货，明早送两条。")
        await tg.wait_for(lambda: len(memo.courier.to(SHOP_CHAT)) == 2, timeout=10)
        answer = memo.courier.to(SHOP_CHAT)[1]
        assert answer.kind is NoticeKind.ANSWER
        assert answer.params["text"] == "有货，明早送两条。"
        async with app.store.peek() as ledger:
            ticket = await ledger.ticket(1)
        assert ticket is not None and ticket.first_response_at is not None

    # Every notice went out on the channel of its address, and nothing crossed over: 张伟's
    # Telegram chat from the roster heard nothing, and nobody on Telegram got the backup's step.
    assert {n.address.channel for n in memo.courier.delivered} == {"memo"}
    assert [n.to for n in memo.courier.delivered] == ["r1", "m2", "r1"]
    assert tg.inbox(9001) == []
    assert tg.inbox(5002) == []
    assert all("升级" not in str(m.get("text")) for m in tg.inbox(5001))


async def test_media_crosses_channels_by_download_and_upload(tg: Standin, tmp_path: Path) -> None:
    async with running(two_channel_settings(tg, tmp_path), tg) as app:
        memo = app.channels["memo"]
        assert isinstance(memo, FakeChannel)
        async with app.store.transaction() as ledger:
            assert await ledger.link_chat("r1", Address("memo", SHOP_CHAT), None)

        # 张伟's photo on the in-memory channel reaches 李经理 on Telegram as an uploaded photo.
        memo.files["shelf-1"] = b"\x89PNG shelf photo"
        await memo.say(SHOP_CHAT, text="货架这样摆可以吗？", photo="shelf-1")
        await tg.wait_for(lambda: [m for m in tg.inbox(5001) if m.get("photo")], timeout=10)
        (relayed,) = [m for m in tg.inbox(5001) if m.get("photo")]
        assert "货架这样摆可以吗？" in relayed["caption"] and "张伟" in relayed["caption"]
        assert not any(c.method == "copyMessage" for c in tg.calls_to("copyMessage"))

        # 刘芳's photo on Telegram reaches 王经理 on the in-memory channel, downloaded from Telegram.
        tg.get_user(9002).send_photo("烟盒受潮了")
        await tg.wait_for(lambda: memo.courier.to(BACKUP_CHAT), timeout=10)
        (question,) = memo.courier.to(BACKUP_CHAT)
        assert question.kind is NoticeKind.QUESTION and question.to == "m2"
        assert question.attachment is not None and question.attachment.as_photo
        assert question.attachment.data
        assert len(tg.calls_to("getFile")) == 1
