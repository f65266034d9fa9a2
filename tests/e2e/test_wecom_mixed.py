"""A mixed team: a retailer on 微信客服 with a manager on Telegram, and the reverse."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.config import Settings
from desk.notices import NoticeKind
from handlers.telegram.standin import Standin
from handlers.wecom.standin import WecomStandin
from tests.e2e.wecom_harness import MEMBERS, link_of, recorded, running_wecom, until, wecom_mapping
from tests.unit.fakes import FakeClock

KF = "wkStandinKf"
ROSTER = """id,name,shop,phone,manager,telegram_id
r1,张伟,张记烟酒店,13800000001,m1,
r2,刘芳,芳芳便利店,13800000002,m2,9002
"""


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 12, 7, 19, 0, tzinfo=UTC))


@pytest.fixture
async def wecom(clock: FakeClock) -> AsyncIterator[WecomStandin]:
    async with WecomStandin(clock, members=set(MEMBERS)) as standin:
        yield standin


def mixed_settings(wecom: WecomStandin, tg: Standin, folder: Path) -> Settings:
    telegram = {"token": tg.token, "base_url": tg.base_url, "poll_timeout": 1}
    mapping = wecom_mapping(wecom, folder, telegram={**telegram, "messages_per_second": 0})
    # m1 works on Telegram, m2 in the WeCom app.
    mapping["managers"][0] = {"id": "m1", "name": "李经理", "telegram_id": 5001}
    (folder / "retailers.csv").write_text(ROSTER, encoding="utf-8")
    return Settings.from_mapping(mapping, env={}, config_dir=folder)


async def test_a_kf_retailer_and_a_telegram_manager_talk_and_the_reverse(
    wecom: WecomStandin, tg: Standin, clock: FakeClock, tmp_path: Path
) -> None:
    rec = recorded()
    settings = mixed_settings(wecom, tg, tmp_path)
    async with running_wecom(settings, wecom, clock, rec.couriers()):
        await wecom.retailer_enters("wmZhang", link_of("r1"))
        await wecom.retailer_writes("wmZhang", "软中华还有货吗？")
        card = await tg.wait_message(5001, contains="软中华还有货吗？", timeout=15)
        tg.get_user(5001).send("有货，明早送到", reply_to=card)
        answer = await until(lambda: rec.to_retailer("wmZhang", NoticeKind.ANSWER))
        assert answer[0].params["text"] == "有货，明早送到"
        assert answer[0].params["staff"] == "李经理"

        tg.get_user(9002).send("发票怎么开？")
        question = await until(lambda: rec.to_staff("WangJingLi", NoticeKind.QUESTION))
        ticket = question[0].ticket_id
        await wecom.staff_writes("WangJingLi", f"#{ticket} 电子发票，发您邮箱")
        await tg.wait_message(9002, contains="电子发票，发您邮箱", timeout=15)
        # Each went out on its own channel only.
        assert rec.to_staff("LiJingLi") == [] and rec.to_retailer("9002") == []


async def test_a_kf_retailer_s_photo_reaches_a_telegram_manager_downloaded_and_uploaded(
    wecom: WecomStandin, tg: Standin, clock: FakeClock, tmp_path: Path
) -> None:
    rec = recorded()
    settings = mixed_settings(wecom, tg, tmp_path)
    async with running_wecom(settings, wecom, clock, rec.couriers()):
        await wecom.retailer_enters("wmZhang", link_of("r1"))
        await until(lambda: [d for d in wecom.kf.accounts[KF].sent if d.on_event])
        photo = b"\x89PNG\r\n\x1a\n a damp carton"
        media_id, _ = await wecom.retailer_sends_media("wmZhang", "image", photo, "image/png")

        await tg.wait_for(lambda: [m for m in tg.inbox(5001) if m.get("photo")], timeout=15)
        (relayed,) = [m for m in tg.inbox(5001) if m.get("photo")]
        # Uploaded, not copied: Telegram cannot copy a WeChat message; the header says whose.
        assert "张伟" in relayed["caption"]
        uploads = [c for c in tg.calls_to("sendPhoto") if c.params.get("chat_id") == 5001]
        assert len(uploads) == 1
        largest = relayed["photo"][-1]["file_id"]
        assert tg.world.files[largest].content() == photo == wecom.media.get(media_id).content
