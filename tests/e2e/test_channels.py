"""Two channels in one desk: each outbox row goes out on its address's channel, and no other."""

from __future__ import annotations

import asyncio
from contextlib import AbstractAsyncContextManager
from pathlib import Path

from bot.app import ChannelMaker, RetailDesk
from bot.config import Settings
from desk.notices import Notice, NoticeKind
from desk.people import Address
from handlers.channel import Channel
from handlers.telegram.standin import Standin
from tests.channels import FakeChannel
from tests.e2e.harness import desk_settings, running_desk


def running_with(
    settings: Settings, tg: Standin, *extra: ChannelMaker
) -> AbstractAsyncContextManager[RetailDesk]:
    """Run the app with more channels than the config names; yield once Telegram polls."""
    return running_desk(settings, tg, extra=extra)


def fake_of(app: RetailDesk) -> FakeChannel:
    channel: Channel = app.channels["fake"]
    assert isinstance(channel, FakeChannel)
    return channel


async def test_a_row_for_the_fake_channel_goes_to_its_courier_and_not_to_telegram(
    tg: Standin, tmp_path: Path
) -> None:
    async with running_with(desk_settings(tg, tmp_path), tg, FakeChannel.maker()) as app:
        fake = fake_of(app)
        assert set(app.senders) == {"telegram", "fake"}
        notice = Notice("m1", Address("fake", "5001"), NoticeKind.WELCOME, "zh", {"note": "你好"})
        async with app.store.transaction() as ledger:
            await ledger.post(notice)
        await asyncio.wait_for(fake.courier.arrived.wait(), timeout=10)
        assert [n.params for n in fake.courier.to("5001")] == [{"note": "你好"}]
        # The same chat number on Telegram is another person: nothing reached it.
        assert tg.inbox(5001) == []

        # A Telegram question still goes out on Telegram, and nothing of it on the fake channel.
        tg.get_user(9001).send("软中华还有货吗？")
        await tg.wait_message(5001, contains="软中华还有货吗？")
        assert [n.address.channel for n in fake.courier.delivered] == ["fake"]


async def test_the_fake_channel_s_updates_are_stored_and_handed_to_the_desk(
    tg: Standin, tmp_path: Path
) -> None:
    seen: list[str] = []

    async def handler(desk: object, update: dict[str, object]) -> None:
        seen.append(str(update["text"]))

    maker = FakeChannel.maker(handler=handler)
    async with running_with(desk_settings(tg, tmp_path), tg, maker) as app:
        fake = fake_of(app)
        await fake.say("42", text="hello")
        await tg.wait_for(lambda: seen == ["hello"], timeout=10)
        assert await fake.inbox.last_update_id() == 1
