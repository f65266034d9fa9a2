"""Retailers on 微信客服 and staff in the WeCom app, end to end against the WeCom stand-in.

The WeChat couriers are the other half of this channel; until they land, what the desk sends
is recorded at the courier boundary (Recorded), and everything before it runs for real: the
stand-in's signed callbacks, the kf sync, the inbox, the desk and the outbox.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from bot.app import RetailDesk
from bot.config import Settings
from desk.notices import NoticeKind
from desk.people import Address, Role
from handlers.wecom.channel import WechatChannel, WecomChannel
from handlers.wecom.crypto import CallbackCrypto, Sealed, aes_key, signature
from handlers.wecom.standin import WecomStandin
from storage.inbox import Arrival
from storage.tables import inbox, messages, outbox
from tests.e2e.wecom_harness import (
    MEMBERS,
    Recorded,
    link_of,
    recorded,
    running_wecom,
    until,
    wecom_mapping,
)
from tests.unit.fakes import FakeClock

KF = "wkStandinKf"
ZHANG, LIU, ZHAO = "wmZhangWei0001", "wmLiuFang0002", "wmZhaoQiang003"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 12, 7, 19, 0, tzinfo=UTC))


@pytest.fixture
async def wecom(clock: FakeClock) -> AsyncIterator[WecomStandin]:
    async with WecomStandin(clock, members=set(MEMBERS)) as standin:
        yield standin


@pytest.fixture
def rec() -> Recorded:
    return recorded()


@pytest.fixture
def settings(wecom: WecomStandin, tmp_path: Path) -> Settings:
    return Settings.from_mapping(wecom_mapping(wecom, tmp_path), env={}, config_dir=tmp_path)


@pytest.fixture
async def app(
    settings: Settings, wecom: WecomStandin, clock: FakeClock, rec: Recorded
) -> AsyncIterator[RetailDesk]:
    async with running_wecom(settings, wecom, clock, rec.couriers()) as running:
        yield running


def welcomes(wecom: WecomStandin, external_userid: str) -> list[str]:
    sent = wecom.kf.accounts[KF].sent
    return [d.body["content"] for d in sent if d.on_event and d.external_userid == external_userid]


async def link(app: RetailDesk, wecom: WecomStandin, external_userid: str, retailer: str) -> None:
    await wecom.retailer_enters(external_userid, link_of(retailer))
    await until(lambda: welcomes(wecom, external_userid))


async def ask(rec: Recorded, wecom: WecomStandin, external_userid: str, text: str) -> int:
    """Write as a retailer; return the ticket number their manager was told of."""
    before = len(rec.wecom.delivered)
    await wecom.retailer_writes(external_userid, text)
    question = await until(
        lambda: [
            n
            for n in rec.wecom.delivered[before:]
            if n.kind in {NoticeKind.QUESTION, NoticeKind.FOLLOWUP} and text in n.params["text"]
        ]
    )
    assert question[0].ticket_id is not None
    return question[0].ticket_id


def answers(rec: Recorded, external_userid: str) -> list[str]:
    return [n.params["text"] for n in rec.to_retailer(external_userid, NoticeKind.ANSWER)]


def notes(rec: Recorded, userid: str, key: str) -> list[dict[str, object]]:
    return [n.params for n in rec.to_staff(userid, NoticeKind.NOTE) if n.params["about"] == key]


async def test_a_retailer_links_by_their_personal_link_and_is_welcomed_naming_their_manager(
    app: RetailDesk, wecom: WecomStandin
) -> None:
    await wecom.retailer_enters(ZHANG, link_of("r1"))
    welcome = await until(lambda: welcomes(wecom, ZHANG))
    assert "李经理" in welcome[0] and "张伟" in welcome[0]
    someone = await app.desk.who(Address("wechat", ZHANG))
    assert someone.role is Role.RETAILER
    assert someone.retailer is not None and someone.retailer.id == "r1"


async def test_a_forged_link_links_nobody_and_gets_the_polite_text(
    app: RetailDesk, wecom: WecomStandin, rec: Recorded
) -> None:
    forged = link_of("r1")[:-3] + "AAA"
    await wecom.retailer_enters(ZHANG, forged)
    welcome = await until(lambda: welcomes(wecom, ZHANG))
    assert "专属链接" in welcome[0] and "李经理" not in welcome[0]
    assert (await app.desk.who(Address("wechat", ZHANG))).role is Role.STRANGER

    await wecom.retailer_writes(ZHANG, "软中华还有货吗？")
    polite = await until(lambda: rec.to_retailer(ZHANG, NoticeKind.NOTE))
    assert polite[0].params["about"] == "wechat.unlinked"
    assert rec.wecom.delivered == []


async def test_a_question_is_acknowledged_forwarded_and_answered_by_number(
    app: RetailDesk, wecom: WecomStandin, rec: Recorded
) -> None:
    await link(app, wecom, ZHANG, "r1")
    ticket = await ask(rec, wecom, ZHANG, "软中华还有货吗？")
    ack = await until(lambda: rec.to_retailer(ZHANG, NoticeKind.ACK))
    assert ack[0].params["ticket"] == ticket and ack[0].params["manager"] == "李经理"

    await wecom.staff_writes("LiJingLi", f"#{ticket} 有货，明早送到")
    await until(lambda: answers(rec, ZHANG))
    assert answers(rec, ZHANG) == ["有货，明早送到"]
    confirmed = await until(lambda: notes(rec, "LiJingLi", "wecom.answered"))
    assert confirmed[0]["ticket"] == ticket


async def test_the_reply_button_sends_the_next_message_to_that_ticket(
    app: RetailDesk, wecom: WecomStandin, rec: Recorded
) -> None:
    await link(app, wecom, ZHANG, "r1")
    await link(app, wecom, ZHAO, "r3")
    first = await ask(rec, wecom, ZHANG, "今天能送货吗？")
    await ask(rec, wecom, ZHAO, "发票怎么开？")

    await wecom.staff_presses("LiJingLi", f"reply:{first}", "task-1")
    replying = await until(lambda: notes(rec, "LiJingLi", "wecom.replying"))
    assert replying[0]["ticket"] == first
    await wecom.staff_writes("LiJingLi", "下午三点送到")
    await until(lambda: answers(rec, ZHANG))
    assert answers(rec, ZHANG) == ["下午三点送到"]
    assert answers(rec, ZHAO) == []
    confirmed = await until(lambda: notes(rec, "LiJingLi", "wecom.answered"))
    assert confirmed[0]["ticket"] == first


async def test_plain_text_answers_the_only_waiting_ticket_and_asks_which_when_several(
    app: RetailDesk, wecom: WecomStandin, rec: Recorded
) -> None:
    await link(app, wecom, ZHANG, "r1")
    await link(app, wecom, ZHAO, "r3")
    first = await ask(rec, wecom, ZHANG, "今天能送货吗？")
    await wecom.staff_writes("LiJingLi", "能，下午送")
    confirmed = await until(lambda: notes(rec, "LiJingLi", "wecom.answered"))
    assert confirmed[0]["ticket"] == first and answers(rec, ZHANG) == ["能，下午送"]

    second = await ask(rec, wecom, ZHANG, "那明天呢？")
    third = await ask(rec, wecom, ZHAO, "发票怎么开？")
    await wecom.staff_writes("LiJingLi", "电子发票，发您邮箱")
    which = await until(
        lambda: [
            n
            for n in rec.to_staff("LiJingLi", NoticeKind.NOTE)
            if n.params["about"] == "wecom.which"
        ]
    )
    assert {b.data for b in which[0].buttons} == {f"pick:{second}", f"pick:{third}"}
    # Nothing goes out until the manager picks.
    assert answers(rec, ZHAO) == [] and answers(rec, ZHANG) == ["能，下午送"]

    await wecom.staff_presses("LiJingLi", f"pick:{third}", "task-2")
    await until(lambda: answers(rec, ZHAO))
    assert answers(rec, ZHAO) == ["电子发票，发您邮箱"]
    assert answers(rec, ZHANG) == ["能，下午送"]


async def test_on_it_and_resolve_buttons_reach_the_retailer(
    app: RetailDesk, wecom: WecomStandin, rec: Recorded
) -> None:
    await link(app, wecom, ZHANG, "r1")
    ticket = await ask(rec, wecom, ZHANG, "能退货吗？")
    await wecom.staff_presses("LiJingLi", f"ok:{ticket}", "task-3")
    eta = await until(lambda: rec.to_retailer(ZHANG, NoticeKind.ETA))
    assert eta[0].params["manager"] == "李经理"
    await wecom.staff_presses("LiJingLi", f"done:{ticket}", "task-4")
    resolved = await until(lambda: rec.to_retailer(ZHANG, NoticeKind.RESOLVED))
    assert resolved[0].params["ticket"] == ticket


async def stored(app: RetailDesk, channel: str) -> int:
    async with app.store.reading() as conn:
        found = await conn.scalar(
            select(func.count()).select_from(inbox).where(inbox.c.channel == channel)
        )
    return int(found or 0)


async def test_duplicate_and_retried_callbacks_forward_each_question_once(
    app: RetailDesk, wecom: WecomStandin, rec: Recorded
) -> None:
    for external_userid, retailer in ((ZHANG, "r1"), (ZHAO, "r3"), (LIU, "r2")):
        await link(app, wecom, external_userid, retailer)
    # The same callback three times, as WeCom's retries would post it.
    delivery = await wecom.retailer_writes(ZHANG, "软中华还有货吗？", copies=3)
    assert delivery is not None and delivery.accepted
    # A message whose callback never came is read by the next sync, and only once.
    await wecom.retailer_writes(ZHAO, "利群有货吗？", notify=False)
    await wecom.retailer_writes(LIU, "中华烟几点到？", copies=2)
    for userid, text in (("LiJingLi", "软中华"), ("LiJingLi", "利群"), ("WangJingLi", "中华烟")):
        await until(
            lambda u=userid, t=text: [n for n in rec.to_staff(u) if t in n.params.get("text", "")]
        )
    ticket = rec.to_staff("WangJingLi", NoticeKind.QUESTION)[0].ticket_id
    await wecom.staff_writes("WangJingLi", f"#{ticket} 下午到", copies=2)
    await until(lambda: notes(rec, "WangJingLi", "wecom.answered"))

    assert len(rec.to_staff("LiJingLi", NoticeKind.QUESTION)) == 2
    assert len(rec.to_staff("WangJingLi", NoticeKind.QUESTION)) == 1
    assert answers(rec, LIU) == ["下午到"]
    for external_userid in (ZHANG, ZHAO, LIU):
        assert len(rec.to_retailer(external_userid, NoticeKind.ACK)) == 1
    async with app.store.reading() as conn:
        said = (await conn.scalars(select(messages.c.text))).all()
    assert sorted(said) == sorted(["软中华还有货吗？", "利群有货吗？", "中华烟几点到？", "下午到"])


def tampered(wecom: WecomStandin, how: str) -> Sealed:
    inner = b"<xml><ToUserName><![CDATA[x]]></ToUserName><MsgType><![CDATA[text]]></MsgType></xml>"
    if how == "other corp":
        crypto = CallbackCrypto(wecom.callback_token, wecom.encoding_aes_key, "wwsomeoneelse01")
        return crypto.seal(inner, "1765000000", "42")
    sealed = wecom.callbacks.seal(inner)
    if how == "signature":
        return replace(sealed, msg_signature="0" * 40)
    if how == "replayed signature":
        other = wecom.callbacks.seal(b"<xml/>")
        return replace(sealed, msg_signature=other.msg_signature)
    if how == "flipped byte":
        raw = bytearray(base64.b64decode(sealed.encrypt))
        raw[20] ^= 1
        encrypt = base64.b64encode(bytes(raw)).decode()
        token = wecom.callback_token
        signed = signature(token, sealed.timestamp, sealed.nonce, encrypt)
        return Sealed(encrypt, signed, sealed.timestamp, sealed.nonce)
    assert how == "bad padding"
    key = aes_key(wecom.encoding_aes_key)
    plain = b"\x00" * 16 + len(inner).to_bytes(4, "big") + inner + wecom.corp_id.encode()
    plain += b"\x00" * (32 - len(plain) % 32)  # zeros: not PKCS#7
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    encrypt = base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()
    signed = signature(wecom.callback_token, "1765000000", "7", encrypt)
    return Sealed(encrypt, signed, "1765000000", "7")


@pytest.mark.parametrize(
    "how", ["signature", "replayed signature", "other corp", "flipped byte", "bad padding"]
)
async def test_a_tampered_callback_is_refused_and_nothing_is_stored(
    app: RetailDesk, wecom: WecomStandin, how: str
) -> None:
    # Only the start's sweep is in the inboxes (see running_wecom).
    before = (await stored(app, "wecom"), await stored(app, "wechat"))
    delivery = await wecom.callbacks.post_sealed(tampered(wecom, how))
    assert not delivery.accepted
    assert {a.status for a in delivery.attempts} <= {400, 403}
    assert (await stored(app, "wecom"), await stored(app, "wechat")) == before == (0, 1)


async def test_the_url_check_answers_the_bare_plaintext(
    app: RetailDesk, wecom: WecomStandin
) -> None:
    check = await wecom.callbacks.check_url()
    assert check.passed


async def test_a_failed_kf_delivery_is_shown_to_the_ticket_s_manager(
    app: RetailDesk, wecom: WecomStandin, rec: Recorded
) -> None:
    await link(app, wecom, ZHANG, "r1")
    ticket = await ask(rec, wecom, ZHANG, "软中华还有货吗？")
    async with app.store.reading() as conn:
        row = await conn.scalar(select(outbox.c.id).where(outbox.c.kind == "ack"))
    await wecom.delivery_fails(ZHANG, f"rd{row}")
    failed = await until(lambda: notes(rec, "LiJingLi", "wechat.send_failed"))
    assert failed[0]["ticket"] == ticket and failed[0]["retailer"] == "张伟"


async def test_a_photo_from_the_manager_is_relayed_with_its_media_id(
    app: RetailDesk, wecom: WecomStandin, rec: Recorded
) -> None:
    await link(app, wecom, ZHANG, "r1")
    ticket = await ask(rec, wecom, ZHANG, "新到的货是什么样？")
    media_id, _ = await wecom.staff_sends_image("LiJingLi", b"\xff\xd8 a photo")
    answer = await until(lambda: rec.to_retailer(ZHANG, NoticeKind.ANSWER))
    assert answer[0].ticket_id == ticket
    copy = answer[0].copy_of
    assert copy is not None and copy.file == media_id
    assert copy.origin == Address("wecom", "LiJingLi")


async def test_a_retailer_s_photo_reaches_the_manager_with_its_media_id(
    app: RetailDesk, wecom: WecomStandin, rec: Recorded
) -> None:
    await link(app, wecom, ZHANG, "r1")
    media_id, _ = await wecom.retailer_sends_media(ZHANG, "image", b"\xff\xd8 shelf", "image/jpeg")
    question = await until(lambda: rec.to_staff("LiJingLi", NoticeKind.QUESTION))
    copy = question[0].copy_of
    assert copy is not None and copy.file == media_id
    assert copy.origin == Address("wechat", ZHANG)


async def test_a_callback_that_cannot_be_stored_gets_500_and_its_retry_is_taken_once(
    app: RetailDesk, wecom: WecomStandin, rec: Recorded, monkeypatch: pytest.MonkeyPatch
) -> None:
    await link(app, wecom, ZHANG, "r1")
    ticket = await ask(rec, wecom, ZHANG, "软中华还有货吗？")
    channel = app.channels["wecom"]
    assert isinstance(channel, WecomChannel)
    keep = channel.inbox.keep
    failures = iter([True])

    async def flaky(arrivals: list[Arrival], at: datetime) -> int:
        if next(failures, False):
            raise OperationalError("INSERT", {}, Exception("database is locked"))
        return await keep(arrivals, at)

    monkeypatch.setattr(channel.inbox, "keep", flaky)
    delivery = await wecom.staff_writes("LiJingLi", f"#{ticket} 有货")
    assert [a.status for a in delivery.attempts] == [500, 200]
    await until(lambda: notes(rec, "LiJingLi", "wecom.answered"))
    assert answers(rec, ZHANG) == ["有货"]


async def test_a_linked_retailer_coming_back_without_the_link_is_welcomed_back(
    app: RetailDesk, wecom: WecomStandin
) -> None:
    await link(app, wecom, ZHANG, "r1")
    await wecom.retailer_enters(ZHANG, "")
    await until(lambda: len(welcomes(wecom, ZHANG)) == 2)
    assert "李经理" in welcomes(wecom, ZHANG)[1]


async def test_a_link_opened_from_another_wechat_does_not_move_the_retailer(
    app: RetailDesk, wecom: WecomStandin, rec: Recorded
) -> None:
    await link(app, wecom, ZHANG, "r1")
    await wecom.retailer_enters(LIU, link_of("r1"))
    taken = await until(lambda: welcomes(wecom, LIU))
    assert "客户经理" in taken[0] and "张伟" not in taken[0]
    assert (await app.desk.who(Address("wechat", LIU))).role is Role.STRANGER
    someone = await app.desk.who(Address("wechat", ZHANG))
    assert someone.retailer is not None and someone.retailer.id == "r1"


async def test_a_question_too_long_is_refused_with_the_limit(
    app: RetailDesk, wecom: WecomStandin, rec: Recorded
) -> None:
    await link(app, wecom, ZHANG, "r1")
    await wecom.retailer_writes(ZHANG, "货" * 4001)
    refused = await until(lambda: rec.to_retailer(ZHANG, NoticeKind.NOTE))
    assert refused[0].params["about"] == "too_long" and refused[0].to == "r1"
    assert rec.to_staff("LiJingLi") == []


async def test_staff_commands_report_mystats_queue_and_lang(
    app: RetailDesk, wecom: WecomStandin, rec: Recorded
) -> None:
    await link(app, wecom, ZHANG, "r1")
    ticket = await ask(rec, wecom, ZHANG, "软中华还有货吗？")
    # The weekly summary a start may send is not what this test counts.
    before = len(rec.to_staff("ChenZhuRen", NoticeKind.REPORT))
    await wecom.staff_writes("ChenZhuRen", "/report")
    report = await until(lambda: rec.to_staff("ChenZhuRen", NoticeKind.REPORT)[before:][2:])
    text, chart, table = rec.to_staff("ChenZhuRen", NoticeKind.REPORT)[before:]
    assert text.params["text"] and text.attachment is None
    assert chart.attachment is not None and chart.attachment.as_photo
    assert table.attachment is not None and table.attachment.filename.endswith(".csv")
    assert report

    await wecom.staff_writes("LiJingLi", "/report")
    await until(lambda: notes(rec, "LiJingLi", "report.supervisors"))
    await wecom.staff_writes("LiJingLi", "/mystats 2026-W01")
    await until(lambda: len(rec.to_staff("LiJingLi", NoticeKind.REPORT)) == 3)

    await wecom.staff_writes("LiJingLi", "/queue")
    queue = await until(lambda: notes(rec, "LiJingLi", "report"))
    assert f"#{ticket} · 张伟" in str(queue[0]["text"])

    await wecom.staff_writes("LiJingLi", "/lang en")
    switched = await until(lambda: notes(rec, "LiJingLi", "lang.set"))
    assert rec.to_staff("LiJingLi", NoticeKind.NOTE)[-1].lang == "en"
    assert "English" in str(switched[0]["text"])
    await wecom.staff_writes("LiJingLi", "hello")
    await until(lambda: notes(rec, "LiJingLi", "wecom.answered"))
    assert rec.to_staff("LiJingLi", NoticeKind.NOTE)[-1].params["text"].startswith("✓ Sent")


async def test_a_message_whose_callback_never_came_is_found_by_the_sweep(
    app: RetailDesk, wecom: WecomStandin, rec: Recorded, clock: FakeClock
) -> None:
    await link(app, wecom, ZHANG, "r1")
    await wecom.retailer_writes(ZHANG, "回调丢了的问题", notify=False)
    clock.advance(minutes=31)
    channel = app.channels["wechat"]
    assert isinstance(channel, WechatChannel)
    await channel.sweep()
    question = await until(lambda: rec.to_staff("LiJingLi", NoticeKind.QUESTION))
    assert question[0].params["text"] == "回调丢了的问题"
    tokenless = [
        c for c in wecom.calls_to("kf/sync_msg") if c.request and not c.request.get("token")
    ]
    assert len(tokenless) == 2  # the one at start, and this one
