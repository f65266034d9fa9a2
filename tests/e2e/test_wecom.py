"""Retailers on 微信客服 and staff in the WeCom app, end to end against the WeCom stand-in.

The WeChat couriers are the other half of this channel; until they land, what the desk sends
is recorded at the courier boundary (Recorded), and everything before it runs for real: the
stand-in's signed callbacks, the kf sync, the inbox, the desk and the outbox.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import RetailDesk
from bot.config import Settings
from desk.notices import NoticeKind
from desk.people import Address, Role
from handlers.wecom.standin import WecomStandin
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
    return [n.params for n in rec.to_staff(userid, NoticeKind.NOTE) if n.params["key"] == key]


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
    assert polite[0].params["key"] == "wechat.unlinked"
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
    await until(lambda: answers(rec, ZHANG))
    assert notes(rec, "LiJingLi", "wecom.answered")[0]["ticket"] == first

    second = await ask(rec, wecom, ZHANG, "那明天呢？")
    third = await ask(rec, wecom, ZHAO, "发票怎么开？")
    await wecom.staff_writes("LiJingLi", "电子发票，发您邮箱")
    which = await until(
        lambda: [
            n for n in rec.to_staff("LiJingLi", NoticeKind.NOTE) if n.params["key"] == "wecom.which"
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
