"""Both WeCom couriers against the WeCom stand-in, over loopback with the real aiohttp client."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from bot.sender import Sender
from desk.clock import Clock
from desk.content import Content, ContentKind
from desk.context import DeskContext
from desk.notices import Attachment, Button, Notice, NoticeKind
from desk.people import Address, Manager, Supervisor, Team
from desk.policy import EscalationStep, Notify, Policy
from desk.service import Desk
from desk.tickets import Ticket, TicketMessage
from handlers.wecom.api import WecomApi
from handlers.wecom.courier import HELD_FOR, WechatCourier, WecomCourier
from handlers.wecom.render import Renderer
from handlers.wecom.standin import WecomStandin
from handlers.wecom.window import PER_WINDOW
from storage.kf_windows import KfWindows, WindowRow
from storage.outbox import Outbox
from storage.store import SqlStore
from tests.databases import migrated_engine, seed_retailers
from tests.unit.fakes import FakeClock

KF = "wkStandinKf"
T0 = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
ZHANG = Address("wechat", "wmZhangWei")
LI = Address("wecom", "LiJingLi")
RENDERER = Renderer(ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


@pytest.fixture
async def standin(clock) -> AsyncIterator[WecomStandin]:
    async with WecomStandin(clock, members={"LiJingLi", "WangJingLi"}) as running:
        yield running


@pytest.fixture
async def api(clock, standin) -> AsyncIterator[WecomApi]:
    async with aiohttp.ClientSession() as session:
        yield WecomApi(
            session,
            corp_id=standin.corp_id,
            secret=standin.secret,
            agent_id=standin.agent_id,
            clock=clock,
            base_url=standin.base_url,
        )


@pytest.fixture
async def store(clock, tmp_path: Path) -> AsyncIterator[SqlStore]:
    async with migrated_engine("sqlite", tmp_path) as engine:
        async with engine.begin() as conn:
            retailer = {
                "id": "r1",
                "name": "张伟",
                "shop": "张伟烟酒店",
                "phone": "+8613800000001",
                "manager_id": "m1",
                "updated_at": T0,
            }
            await seed_retailers(conn, [retailer])
        yield SqlStore(engine, clock)


@pytest.fixture
def wechat(api, store, clock) -> WechatCourier:
    return WechatCourier(api, KF, store, clock, RENDERER)


@pytest.fixture
def wecom(api, store, standin, clock) -> WecomCourier:
    return WecomCourier(api, standin.agent_id, store, clock, RENDERER)


def answer(text: str = "有货，明早送到。", ticket: int = 1) -> Notice:
    return Notice("r1", ZHANG, NoticeKind.ANSWER, "zh", {"staff": "王经理", "text": text}, ticket)


def question(ticket: int = 1, to: Address = LI) -> Notice:
    params = {"ticket": ticket, "retailer": "张伟", "shop": "张伟烟酒店", "text": "有货吗？"}
    buttons = (Button("button.on_it", f"on:{ticket}"), Button("button.resolve", f"res:{ticket}"))
    return Notice("m1", to, NoticeKind.QUESTION, "zh", params, ticket, buttons=buttons)


async def customer_writes(standin: WecomStandin, store: SqlStore, clock: Clock) -> None:
    """Play the customer writing, and what the inbound side records of it."""
    standin.kf.customer_writes(KF, ZHANG.chat, "text", {"content": "在吗"})
    await KfWindows(store).opened(ZHANG.chat, KF, clock.now())


def kf_sent(standin: WecomStandin) -> list[str]:
    return [d.msgid for d in standin.kf.accounts[KF].sent]


# 微信客服 --------------------------------------------------------------------------------


async def test_an_answer_goes_out_under_the_rows_msgid_and_counts_in_the_window(
    wechat, standin, store, clock
):
    await customer_writes(standin, store, clock)

    delivery = await wechat.deliver_row(41, answer())

    assert delivery.state == "sent" and delivery.message_id == "rd41"
    (sent,) = standin.kf.accounts[KF].sent
    assert (sent.msgid, sent.external_userid, sent.msgtype) == ("rd41", ZHANG.chat, "text")
    assert sent.body["content"] == "王经理：有货，明早送到。"
    assert await KfWindows(store).read(ZHANG.chat) == WindowRow(T0, 1)


async def test_a_retried_send_is_not_duplicated(wechat, standin, store, clock):
    await customer_writes(standin, store, clock)
    assert (await wechat.deliver_row(41, answer())).state == "sent"

    # The answer to the first try was lost, say: the row goes again, as a repeat.
    again = await wechat.deliver_row(41, answer(), repeat=True)

    assert again.state == "sent" and again.message_id == "rd41"
    assert kf_sent(standin) == ["rd41"]
    assert standin.kf.accounts[KF].sent[0].body["content"] == "王经理：有货，明早送到。"
    assert await KfWindows(store).read(ZHANG.chat) == WindowRow(T0, 1), "counted once"


async def test_a_repeat_that_never_went_out_goes_unmarked(wechat, standin, store, clock):
    await customer_writes(standin, store, clock)

    assert (await wechat.deliver_row(42, answer(), repeat=True)).state == "sent"

    assert standin.kf.accounts[KF].sent[0].body["content"] == "王经理：有货，明早送到。"


async def test_a_resent_staff_message_is_dropped_by_the_duplicate_check(wecom, standin):
    notice = Notice("m1", LI, NoticeKind.GUIDE_ADDED, "zh", {"draft": 4, "question": "进货"})
    assert (await wecom.deliver_row(43, notice)).state == "sent"

    assert (await wecom.deliver_row(43, notice, repeat=True)).state == "sent"

    assert len(standin.app.to("LiJingLi")) == 1


async def test_a_spent_window_holds_the_answer_without_calling_wecom(wechat, standin, store, clock):
    await customer_writes(standin, store, clock)
    for row in range(PER_WINDOW):
        assert (await wechat.deliver_row(row, answer(f"第 {row} 条"))).state == "sent"
    calls = len(standin.calls_to("kf/send_msg"))

    held = await wechat.deliver_row(99, answer("第六条"))

    assert held.state == "retry" and held.held and not held.taken
    assert held.retry_after == HELD_FOR.total_seconds()
    assert len(standin.calls_to("kf/send_msg")) == calls


async def test_a_closed_window_holds_until_the_customer_writes_again(wechat, standin, store, clock):
    await customer_writes(standin, store, clock)
    clock.advance(hours=48)

    assert (await wechat.deliver_row(7, answer())).held

    await customer_writes(standin, store, clock)
    assert (await wechat.deliver_row(7, answer())).state == "sent"
    assert kf_sent(standin) == ["rd7"]


async def test_wecoms_95001_overrules_our_count_and_holds(wechat, standin, store, clock):
    # Our count says room; WeCom counted messages sent by others through the same account.
    await customer_writes(standin, store, clock)
    standin.kf.accounts[KF].sessions[ZHANG.chat].sent_since = 5

    held = await wechat.deliver_row(8, answer())

    assert held.held and "95001" in (held.error or "")
    assert await KfWindows(store).read(ZHANG.chat) == WindowRow(T0, PER_WINDOW)


async def test_a_session_a_person_took_holds_and_says_so(wechat, standin, store, clock):
    await customer_writes(standin, store, clock)
    standin.kf.set_state(KF, ZHANG.chat, 3, "LiJingLi")

    held = await wechat.deliver_row(9, answer())

    assert held.held and held.taken
    assert await KfWindows(store).read(ZHANG.chat) == WindowRow(T0, PER_WINDOW)


async def test_an_extra_is_skipped_when_only_the_answers_room_is_left(
    wechat, standin, store, clock
):
    await customer_writes(standin, store, clock)
    await KfWindows(store).spend(ZHANG.chat, lambda window: 3)
    params = {"manager": "李经理", "items": "① 进货"}
    suggestion = Notice("r1", ZHANG, NoticeKind.GUIDE_SUGGEST, "zh", params, 1)

    skipped = await wechat.deliver_row(10, suggestion)

    assert skipped.state == "skipped"
    assert kf_sent(standin) == []
    assert (await wechat.deliver_row(11, answer())).state == "sent"


async def test_a_choice_reaches_the_retailer_as_a_msgmenu(wechat, standin, store, clock):
    await customer_writes(standin, store, clock)
    buttons = tuple(Button(f"button.rate{s}", f"rate:1:{s}") for s in range(1, 6))
    ask = Notice(
        "r1",
        ZHANG,
        NoticeKind.RATE_ASK,
        "zh",
        {"ticket": 1, "manager": "李经理"},
        1,
        buttons=buttons,
    )

    assert (await wechat.deliver_row(12, ask)).state == "sent"

    (sent,) = standin.kf.accounts[KF].sent
    assert sent.msgtype == "msgmenu"
    assert [item["click"]["id"] for item in sent.body["list"]] == [
        f"rate:1:{s}" for s in range(1, 6)
    ]


async def test_a_manager_photo_from_the_app_reaches_the_retailer_by_its_media_id(
    wechat, standin, store, clock
):
    await customer_writes(standin, store, clock)
    media = standin.media.put("image", b"\xff\xd8jpeg", "image/jpeg", "photo.jpg")
    photo = Content(ContentKind.PHOTO, "", LI, "m1", file=media.media_id)
    params = {"staff": "李经理", "text": "", "content": "photo"}
    notice = Notice("r1", ZHANG, NoticeKind.ANSWER, "zh", params, 1, copy_of=photo)

    assert (await wechat.deliver_row(13, notice)).state == "sent"

    text, image = standin.kf.accounts[KF].sent
    assert (text.msgid, image.msgid) == ("rd13", "rd13-1")
    assert image.body == {"media_id": media.media_id}
    assert await KfWindows(store).read(ZHANG.chat) == WindowRow(T0, 2)


# The WeCom app ------------------------------------------------------------------------------


async def test_a_question_reaches_the_manager_as_a_card_with_agreed_keys(wecom, standin):
    delivery = await wecom.deliver_row(5, question())

    assert delivery.state == "sent"
    (card,) = standin.app.to("LiJingLi")
    assert card.msgtype == "template_card"
    assert card.body["task_id"] == "rd5"
    assert [b["key"] for b in card.body["button_list"]] == ["ok:1", "done:1", "reply:1"]
    (call,) = standin.calls_to("message/send")
    assert call.request is not None and call.request["enable_duplicate_check"] == 1


async def test_a_token_revoked_mid_burst_is_refreshed_once(wecom, standin):
    for row in range(3):
        assert (await wecom.deliver_row(row, question(row))).state == "sent"
    standin.tokens.revoke()
    for row in range(3, 6):
        assert (await wecom.deliver_row(row, question(row))).state == "sent"

    assert standin.tokens.gettoken_calls == 2
    assert len(standin.app.to("LiJingLi")) == 6


async def test_a_member_the_app_cannot_reach_fails_the_row(wecom, standin):
    delivery = await wecom.deliver_row(6, question(to=Address("wecom", "NoSuchMember")))

    assert delivery.state == "failed"
    assert "81013" in (delivery.error or "")


@pytest.mark.parametrize("errcode", [40001, 60020])
async def test_a_refused_secret_or_ip_fails_the_row_for_an_admin(wecom, standin, errcode):
    standin.tokens.refuse_with = errcode

    delivery = await wecom.deliver_row(6, question())

    assert delivery.state == "failed"
    assert str(errcode) in (delivery.error or "")


async def test_wecom_out_of_reach_is_retried(store, clock):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    async with aiohttp.ClientSession() as session:
        api = WecomApi(
            session,
            corp_id="wwstandin00000001",
            secret="standin-secret",
            agent_id=1000002,
            clock=clock,
            base_url=f"http://127.0.0.1:{closed}/cgi-bin",
        )
        courier = WecomCourier(api, 1000002, store, clock, RENDERER)

        delivery = await courier.deliver_row(6, question())

    assert delivery.state == "retry" and delivery.retry_after is None, "the sender backs off"


async def test_a_busy_wecom_is_retried(wecom, standin):
    standin.tokens.refuse_with = -1

    delivery = await wecom.deliver_row(6, question())

    assert delivery.state == "retry"


async def test_pacing_keeps_a_burst_under_wecoms_silent_drop(wecom, standin, clock):
    states = []
    for row in range(40):
        states.append((await wecom.deliver_row(row, question(row))).state)
        clock.advance(seconds=1)

    assert "retry" in states
    assert standin.app.dropped == []


async def test_a_weekly_chart_is_uploaded_then_sent_as_an_image(wecom, standin):
    chart = Attachment("week.png", b"\x89PNG chart", as_photo=True)
    notice = Notice("s1", LI, NoticeKind.REPORT, "zh", {"text": "第 47 周"}, attachment=chart)

    assert (await wecom.deliver_row(20, notice)).state == "sent"

    caption, image = standin.app.to("LiJingLi")
    assert caption.body == {"content": "第 47 周"}
    assert standin.media.get(image.body["media_id"]).content == b"\x89PNG chart"


# Through the sender: a held row tells the manager, and the customer's next message sends it.


async def test_a_held_answer_tells_the_manager_and_goes_out_when_the_retailer_writes(
    wechat, standin, store, clock
):
    team = Team(
        [Manager("m1", "李经理", (LI,), supervisor="s1")],
        [Supervisor("s1", "陈主任", (Address("wecom", "ChenZhuRen"),))],
    )
    policy = Policy((EscalationStep(timedelta(minutes=15), Notify.MANAGER),))
    ctx = DeskContext(
        store, team, clock, policy, ZoneInfo("Asia/Shanghai"), read_phone=lambda phone: None
    )
    async with store.transaction() as ledger:
        ticket = await ledger.create_ticket(Ticket(0, "r1", "m1", "m1", T0, policy))
        said = Content(ContentKind.TEXT, "有货吗？", ZHANG, "x1")
        await ledger.add_message(TicketMessage(ticket.id, "r1", True, said, T0))
        await ledger.post(answer(ticket=ticket.id))
    outbox = Outbox(store)
    sender = Sender(store, outbox, wechat, Desk(ctx), clock)

    await sender.send_batch()

    held = await outbox.claim(clock.now(), 10, channel="wecom")
    (told,) = [p.notice for p in held]
    assert told.kind is NoticeKind.DELIVERY_HELD and told.address == LI
    assert told.params["ticket"] == ticket.id
    assert await outbox.claim(clock.now(), 10, channel="wechat") == [], "held, not due"

    clock.advance(hours=1)
    await customer_writes(standin, store, clock)
    assert await outbox.release_parked("wechat", [ZHANG.chat], clock.now()) == 1
    await sender.send_batch()
    assert len(kf_sent(standin)) == 1
