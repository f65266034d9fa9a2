"""The WeCom client against the WeCom stand-in over loopback, and the stand-in's callbacks."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import aiohttp
import pytest
from aiohttp import web

from handlers.wecom.api import WecomApi
from handlers.wecom.crypto import CallbackCrypto, CallbackError
from handlers.wecom.errcodes import Outcome, WecomApiError, classify
from handlers.wecom.standin import WecomStandin
from handlers.wecom.standin.corp import AppMessages
from handlers.wecom.xmlmsg import AppImage, AppText, CallbackMessage, CardPress, KfNotice
from handlers.wecom.xmlmsg import open_callback as open_wecom_callback
from tests.unit.fakes import FakeClock

KF = "wkStandinKf"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 12, 7, 3, 0, tzinfo=UTC))


@pytest.fixture
async def standin(clock) -> AsyncIterator[WecomStandin]:
    async with WecomStandin(clock, members={"LiJingLi", "WangJingLi", "ChenZhuRen"}) as running:
        yield running


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as opened:
        yield opened


def client(session, clock, base_url: str, *, secret: str = "standin-secret") -> WecomApi:
    return WecomApi(
        session,
        corp_id="wwstandin00000001",
        secret=secret,
        agent_id=1000002,
        clock=clock,
        base_url=base_url,
    )


@pytest.fixture
def api(session, clock, standin) -> WecomApi:
    return client(session, clock, standin.base_url)


async def refused(call) -> WecomApiError:
    with pytest.raises(WecomApiError) as raised:
        await call
    return raised.value


# The access token ---------------------------------------------------------------------------


async def test_one_token_serves_many_calls(api, standin):
    await api.send_text(["LiJingLi"], "票 #1")
    await api.send_text(["LiJingLi"], "票 #2")
    assert standin.tokens.gettoken_calls == 1


async def test_concurrent_first_calls_fetch_the_token_once(api, standin):
    await asyncio.gather(*(api.send_text(["LiJingLi"], f"票 #{n}") for n in range(8)))
    assert standin.tokens.gettoken_calls == 1


async def test_the_token_is_renewed_before_it_expires(api, standin, clock):
    await api.send_text(["LiJingLi"], "first")
    clock.advance(seconds=7200 - 299)
    await api.send_text(["LiJingLi"], "second")
    assert standin.tokens.gettoken_calls == 2
    # WeCom gave back the same token with 299 s left: it is used to its end, not re-asked for.
    clock.advance(seconds=298)
    await api.send_text(["LiJingLi"], "third")
    assert standin.tokens.gettoken_calls == 2
    clock.advance(seconds=1)
    await api.send_text(["LiJingLi"], "fourth")
    assert standin.tokens.gettoken_calls == 3
    assert all(call.errcode == 0 for call in standin.calls)
    tokens = {call.query["access_token"] for call in standin.calls_to("message/send")}
    assert len(tokens) == 2
    assert all("corpsecret" not in call.query for call in standin.calls_to("gettoken"))


@pytest.mark.parametrize(("spoil", "errcode"), [("revoke", 40014), ("expire", 42001)])
async def test_a_revoked_or_expired_token_is_refreshed_once(api, standin, spoil, errcode):
    await api.send_text(["LiJingLi"], "before")
    getattr(standin.tokens, spoil)()
    await api.send_text(["LiJingLi"], "after")
    assert [(c.path, c.errcode) for c in standin.calls] == [
        ("gettoken", 0),
        ("message/send", 0),
        ("message/send", errcode),
        ("gettoken", 0),
        ("message/send", 0),
    ]
    assert [d.body["content"] for d in standin.app.to("LiJingLi")] == ["before", "after"]


async def test_a_token_revoked_mid_burst_is_fetched_again_once(api, standin):
    await api.send_text(["LiJingLi"], "warm-up")
    standin.tokens.revoke()
    await asyncio.gather(*(api.send_text(["LiJingLi"], f"burst {n}") for n in range(8)))
    assert standin.tokens.gettoken_calls == 2
    assert len(standin.app.to("LiJingLi")) == 9


@pytest.mark.parametrize("errcode", [40001, 60020])
async def test_a_refused_gettoken_fails_the_call(api, standin, errcode):
    standin.tokens.refuse_with = errcode
    error = await refused(api.send_text(["LiJingLi"], "hello"))
    assert (error.path, error.errcode, error.outcome) == ("gettoken", errcode, Outcome.FAIL)
    assert "hint: [" in error.errmsg
    assert standin.calls_to("message/send") == []


async def test_a_wrong_secret_is_40001(session, clock, standin):
    error = await refused(client(session, clock, standin.base_url, secret="x").access_token())
    assert (error.errcode, error.outcome) == (40001, Outcome.FAIL)


# Error classes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("errcode", "outcome"),
    [
        (-1, Outcome.RETRY),
        (45009, Outcome.RETRY),
        (40014, Outcome.RETRY),
        (42001, Outcome.RETRY),
        (95001, Outcome.PARK),
        (95018, Outcome.PARK),
        (40001, Outcome.FAIL),
        (60020, Outcome.FAIL),
        (81013, Outcome.FAIL),
        (40058, Outcome.FAIL),
        (123456, Outcome.FAIL),
    ],
)
def test_errcodes_are_classified(errcode, outcome):
    assert classify(errcode) is outcome


@dataclass
class Scripted:
    """A tiny HTTP server that answers every request with the next scripted answer."""

    answers: list[web.Response]
    requests: int = 0
    token_answer: web.Response | None = None


@pytest.fixture
async def scripted() -> AsyncIterator[tuple[Scripted, str]]:
    script = Scripted([])

    async def answer(request: web.Request) -> web.StreamResponse:
        script.requests += 1
        if request.path.endswith("gettoken"):
            if script.token_answer is not None:
                return script.token_answer
            return web.json_response({"errcode": 0, "access_token": "t", "expires_in": 7200})
        return script.answers.pop(0)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", answer)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    yield script, f"http://{host}:{port}/cgi-bin"
    await runner.cleanup()


@pytest.mark.parametrize(
    ("response", "outcome"),
    [
        (lambda: web.Response(status=502, text="bad gateway"), Outcome.RETRY),
        (lambda: web.Response(status=200, text="<html>", content_type="text/html"), Outcome.RETRY),
        (lambda: web.json_response({"errcode": -1, "errmsg": "system busy"}), Outcome.RETRY),
        (lambda: web.json_response({"errcode": 45009, "errmsg": "freq"}), Outcome.RETRY),
        (lambda: web.Response(status=404, text="no"), Outcome.FAIL),
    ],
)
async def test_answers_are_judged_by_errcode_and_status(
    scripted, session, clock, response, outcome
):
    script, base_url = scripted
    script.answers.append(response())
    error = await refused(client(session, clock, base_url).send_text(["LiJingLi"], "x"))
    assert error.outcome is outcome


async def test_a_gettoken_answer_without_a_token_is_retried_later(scripted, session, clock):
    script, base_url = scripted
    script.token_answer = web.json_response({"errcode": 0, "errmsg": "ok"})
    error = await refused(client(session, clock, base_url).send_text(["LiJingLi"], "x"))
    assert (error.path, error.outcome) == ("gettoken", Outcome.RETRY)


async def test_an_http_200_with_an_errcode_is_an_error(scripted, session, clock):
    script, base_url = scripted
    script.answers.append(web.json_response({"errcode": 81013, "errmsg": "all invalid"}))
    error = await refused(client(session, clock, base_url).send_text(["Nobody"], "x"))
    assert (error.errcode, error.outcome) == (81013, Outcome.FAIL)


async def test_a_network_error_is_retried_later_not_resent_now(session, clock):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    api = client(session, clock, f"http://127.0.0.1:{port}/cgi-bin")
    error = await refused(api.send_text(["LiJingLi"], "x"))
    assert (error.errcode, error.outcome) == (None, Outcome.RETRY)


# message/send -------------------------------------------------------------------------------


async def test_some_invalid_recipients_are_reported_not_raised(api, standin):
    result = await api.send_text(["LiJingLi", "Ghost", "Phantom"], "票 #3 新问题")
    assert result.invalid_users == ("Ghost", "Phantom")
    assert result.msgid
    assert [d.userid for d in standin.app.delivered] == ["LiJingLi"]


async def test_all_recipients_invalid_is_81013(api):
    error = await refused(api.send_text(["Ghost"], "x"))
    assert (error.errcode, error.outcome) == (81013, Outcome.FAIL)


async def test_a_template_card_reaches_the_member(api, standin):
    card = {"card_type": "button_interaction", "task_id": "t-3", "button_list": []}
    await api.send_card(["LiJingLi"], card)
    (delivery,) = standin.app.to("LiJingLi")
    assert (delivery.msgtype, delivery.body["task_id"]) == ("template_card", "t-3")
    (call,) = standin.calls_to("message/send")
    assert call.request is not None
    assert call.request["enable_duplicate_check"] == 1


async def test_the_duplicate_check_keeps_a_resend_from_the_member(api, standin, clock):
    await api.send_text(["LiJingLi"], "票 #4")
    await api.send_text(["LiJingLi"], "票 #4")
    assert len(standin.app.to("LiJingLi")) == 1
    clock.advance(minutes=31)
    await api.send_text(["LiJingLi"], "票 #4")
    assert len(standin.app.to("LiJingLi")) == 2


async def test_beyond_30_a_minute_messages_are_silently_dropped(api, standin, clock):
    for n in range(31):
        await api.send_text(["LiJingLi"], f"#{n}")
    assert all(call.errcode == 0 for call in standin.calls_to("message/send"))
    assert len(standin.app.to("LiJingLi")) == 30
    assert [d.body["content"] for d in standin.app.dropped] == ["#30"]
    clock.advance(minutes=1)
    await api.send_text(["LiJingLi"], "later")
    assert standin.app.to("LiJingLi")[-1].body["content"] == "later"


def test_beyond_1000_an_hour_messages_are_silently_dropped(clock):
    app = AppMessages(clock, agent_id=1, members={"LiJingLi"})
    for n in range(1001):
        clock.advance(seconds=2.5)  # 24 a minute: under the minute limit all along
        app.send({"touser": "LiJingLi", "msgtype": "text", "agentid": 1, "text": {"content": n}})
    assert (len(app.delivered), len(app.dropped)) == (1000, 1)


# 微信客服 ------------------------------------------------------------------------------------


async def test_five_replies_then_the_window_is_spent_until_the_retailer_writes(api, standin):
    await standin.retailer_writes("wmRetailer1", "有货吗", notify=False)
    for n in range(5):
        await api.kf_send_text("wmRetailer1", KF, f"out-{n}", f"reply {n}")
    error = await refused(api.kf_send_text("wmRetailer1", KF, "out-5", "sixth"))
    assert (error.errcode, error.outcome) == (95001, Outcome.PARK)
    await standin.retailer_writes("wmRetailer1", "还在吗", notify=False)
    await api.kf_send_text("wmRetailer1", KF, "out-5", "sixth, in the new window")
    sent = standin.kf.accounts[KF].sent
    assert [d.msgid for d in sent] == [f"out-{n}" for n in range(6)]


async def test_48_hours_after_the_retailer_wrote_the_window_is_closed(api, standin, clock):
    await standin.retailer_writes("wmRetailer1", "有货吗", notify=False)
    clock.advance(hours=48)
    await api.kf_send_text("wmRetailer1", KF, "a", "just in time")
    clock.advance(seconds=1)
    error = await refused(api.kf_send_text("wmRetailer1", KF, "b", "too late"))
    assert (error.errcode, error.outcome) == (95001, Outcome.PARK)


async def test_a_retailer_who_never_wrote_cannot_be_sent_to(api):
    error = await refused(api.kf_send_text("wmStranger", KF, "a", "hello"))
    assert error.outcome is Outcome.PARK


async def test_a_session_held_by_a_human_refuses_the_api(api, standin):
    await standin.retailer_writes("wmRetailer1", "有货吗", notify=False)
    standin.kf.set_state(KF, "wmRetailer1", 3, servicer="LiJingLi")
    state = await api.kf_service_state(KF, "wmRetailer1")
    assert (state.state, state.servicer_userid) == (3, "LiJingLi")
    error = await refused(api.kf_send_text("wmRetailer1", KF, "a", "hello"))
    assert (error.errcode, error.outcome) == (95018, Outcome.PARK)
    standin.kf.set_state(KF, "wmRetailer1", 1)
    await api.kf_send_text("wmRetailer1", KF, "a", "hello")


async def test_a_reused_msgid_is_refused_and_sent_once(api, standin):
    await standin.retailer_writes("wmRetailer1", "有货吗", notify=False)
    await api.kf_send_text("wmRetailer1", KF, "outbox-17", "answer")
    error = await refused(api.kf_send_text("wmRetailer1", KF, "outbox-17", "answer"))
    assert error.outcome is Outcome.FAIL
    assert "msgid duplicated" in error.errmsg
    assert len(standin.kf.accounts[KF].sent) == 1


async def test_sync_pages_through_the_log_with_opaque_cursors(api, standin):
    for n in range(5):
        await standin.retailer_writes("wmRetailer1", f"q{n}", notify=False)
    token = standin.kf.sync_token(KF)
    pages = []
    cursor = None
    while True:
        page = await api.kf_sync(KF, cursor=cursor, token=token, limit=2)
        pages.append([item["text"]["content"] for item in page.items])
        cursor = page.next_cursor
        if not page.has_more:
            break
    assert pages == [["q0", "q1"], ["q2", "q3"], ["q4"]]
    assert not cursor.isdigit()
    await standin.retailer_writes("wmRetailer1", "q5", notify=False)
    page = await api.kf_sync(KF, cursor=cursor, token=token)
    assert ([i["text"]["content"] for i in page.items], page.has_more) == (["q5"], False)
    assert page.items[0]["origin"] == 3
    assert page.items[0]["open_kfid"] == KF


async def test_sync_keeps_three_days(api, standin, clock):
    await standin.retailer_writes("wmRetailer1", "old", notify=False)
    clock.advance(days=3, seconds=1)
    await standin.retailer_writes("wmRetailer1", "new", notify=False)
    page = await api.kf_sync(KF, token=standin.kf.sync_token(KF))
    assert [item["text"]["content"] for item in page.items] == ["new"]


async def test_sync_without_a_token_is_throttled(api, standin, clock):
    await api.kf_sync(KF)
    error = await refused(api.kf_sync(KF))
    assert (error.errcode, error.outcome) == (45009, Outcome.RETRY)
    clock.advance(minutes=1)
    await api.kf_sync(KF)


async def test_sync_refuses_a_stale_token_and_a_limit_over_1000(api, standin, clock):
    token = standin.kf.sync_token(KF)
    assert (await refused(api.kf_sync(KF, token=token, limit=1001))).outcome is Outcome.FAIL
    clock.advance(minutes=10)
    assert (await refused(api.kf_sync(KF, token=token))).outcome is Outcome.FAIL


async def test_enter_session_gives_a_single_use_welcome_code(api, standin, clock):
    code = standin.kf.customer_enters(KF, "wmRetailer1", "r42.sig")
    page = await api.kf_sync(KF, token=standin.kf.sync_token(KF))
    (item,) = page.items
    # Like WeCom's, the event item names its account only inside the event.
    assert "open_kfid" not in item
    assert (item["origin"], item["event"]["event_type"]) == (4, "enter_session")
    assert (item["event"]["scene_param"], item["event"]["welcome_code"]) == ("r42.sig", code)
    await api.kf_send_on_event(code, "text", {"content": "欢迎! 李经理 will answer you."})
    again = await refused(api.kf_send_on_event(code, "text", {"content": "twice"}))
    assert again.outcome is Outcome.FAIL
    late = standin.kf.customer_enters(KF, "wmRetailer2", "r43.sig")
    clock.advance(seconds=20)
    assert (await refused(api.kf_send_on_event(late, "text", {"content": "x"}))).errcode
    assert [d.on_event for d in standin.kf.accounts[KF].sent] == [True]


# Media and OAuth ----------------------------------------------------------------------------


async def test_media_round_trips_and_expires(api, standin, clock):
    uploaded = await api.upload_media("image", "shelf.jpg", b"\xff\xd8jpeg", "image/jpeg")
    assert uploaded.kind == "image"
    media = await api.get_media(uploaded.media_id)
    assert (media.content, media.content_type) == (b"\xff\xd8jpeg", "image/jpeg")
    clock.advance(days=3)
    error = await refused(api.get_media(uploaded.media_id))
    assert (error.errcode, error.outcome) == (40007, Outcome.FAIL)
    assert [c.errcode for c in standin.calls_to("media/get")] == [0, 40007]


async def test_a_body_that_is_not_json_is_47001(api, standin, session):
    token = await api.access_token()
    url = f"{standin.base_url}/message/send"
    async with session.post(url, params={"access_token": token}, data=b"{not json") as answer:
        assert answer.status == 200
        assert (await answer.json())["errcode"] == 47001


async def test_an_upload_survives_a_token_refresh(api, standin):
    await api.access_token()
    standin.tokens.revoke()
    uploaded = await api.upload_media("file", "week.csv", b"a,b\n", "text/csv")
    assert (await api.get_media(uploaded.media_id)).content == b"a,b\n"


async def test_an_oauth_code_names_the_member_once(api, standin):
    code = standin.oauth.issue(userid="LiJingLi")
    user = await api.user_from_code(code)
    assert (user.userid, user.openid) == ("LiJingLi", None)
    assert (await refused(api.user_from_code(code))).errcode == 40029


# Callbacks ----------------------------------------------------------------------------------


@dataclass
class Receiver:
    """A server under test in miniature: verify, decrypt, parse, answer as told."""

    crypto: CallbackCrypto
    clock: FakeClock
    received: list[CallbackMessage] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    slow_seconds: list[float] = field(default_factory=list)
    refused: int = 0

    async def verify(self, request: web.Request) -> web.Response:
        q = request.query
        plain = self.crypto.verify_url(q["msg_signature"], q["timestamp"], q["nonce"], q["echostr"])
        return web.Response(text=plain)

    async def post(self, request: web.Request) -> web.Response:
        q = request.query
        try:
            message = open_wecom_callback(
                self.crypto, await request.read(), q["msg_signature"], q["timestamp"], q["nonce"]
            )
        except CallbackError:
            self.refused += 1
            return web.Response(status=403)
        self.received.append(message)
        if self.slow_seconds:
            self.clock.advance(seconds=self.slow_seconds.pop(0))
        return web.Response(status=self.statuses.pop(0) if self.statuses else 200)


@pytest.fixture
async def receiver(standin, clock) -> AsyncIterator[Receiver]:
    target = Receiver(standin.crypto(), clock)
    app = web.Application()
    app.router.add_get("/wecom/callback", target.verify)
    app.router.add_post("/wecom/callback", target.post)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    standin.point_callbacks_at(f"http://{host}:{port}/wecom/callback")
    yield target
    await runner.cleanup()


async def test_the_url_check_gets_the_plaintext_back(standin, receiver):
    check = await standin.callbacks.check_url()
    assert check.passed
    assert check.body == check.expected


async def test_a_retailer_writing_fires_a_kf_callback_whose_token_syncs(api, standin, receiver):
    delivery = await standin.retailer_writes("wmRetailer1", "凌晨三点, 中华断货了")
    assert delivery is not None
    assert delivery.accepted
    (notice,) = receiver.received
    assert isinstance(notice, KfNotice)
    assert notice.open_kfid == KF
    page = await api.kf_sync(notice.open_kfid, token=notice.token)
    assert page.items[0]["text"]["content"] == "凌晨三点, 中华断货了"


async def test_staff_texts_photos_and_presses_arrive_typed(api, standin, receiver):
    await standin.staff_writes("LiJingLi", "#12 明早到货")
    media_id, _ = await standin.staff_sends_image("LiJingLi", b"\xff\xd8photo")
    await standin.staff_presses("LiJingLi", "on_it:12", "t-12")
    text, image, press = receiver.received
    assert isinstance(text, AppText)
    assert (text.from_user, text.content, text.agent_id) == ("LiJingLi", "#12 明早到货", 1000002)
    assert isinstance(image, AppImage)
    assert (await api.get_media(image.media_id)).content == b"\xff\xd8photo"
    assert image.media_id == media_id
    assert isinstance(press, CardPress)
    assert (press.event_key, press.task_id) == ("on_it:12", "t-12")


async def test_a_failed_or_slow_answer_is_retried_three_times_in_all(standin, receiver):
    receiver.statuses = [500, 500, 500]
    failed = await standin.staff_writes("LiJingLi", "hello")
    assert [a.status for a in failed.attempts] == [500, 500, 500]
    assert not failed.accepted
    receiver.slow_seconds = [6]
    slow = await standin.staff_writes("LiJingLi", "again")
    assert [(a.status, a.slow) for a in slow.attempts] == [(200, True), (200, False)]
    texts = [m.msg_id for m in receiver.received if isinstance(m, AppText)]
    assert len(texts) == 5
    assert len(set(texts)) == 2


async def test_duplicates_on_purpose_replay_the_same_message(standin, receiver):
    await standin.staff_writes("LiJingLi", "#12 done", copies=2)
    first, second = receiver.received
    assert first == second


async def test_a_tampered_callback_is_refused_by_the_receiver(standin, receiver):
    driver = standin.callbacks
    sealed = driver.seal(b"<xml><MsgType>text</MsgType></xml>")
    forged = type(sealed)(sealed.encrypt, "0" * 40, sealed.timestamp, sealed.nonce)
    delivery = await driver.post_sealed(forged)
    assert [a.status for a in delivery.attempts] == [403, 403, 403]
    assert (receiver.refused, receiver.received) == (3, [])


async def test_a_failed_delivery_is_reported_as_an_event(api, standin, receiver):
    await standin.retailer_writes("wmRetailer1", "有货吗")
    await api.kf_send_text("wmRetailer1", KF, "outbox-9", "明天")
    await standin.delivery_fails("wmRetailer1", "outbox-9")
    notice = receiver.received[-1]
    assert isinstance(notice, KfNotice)
    page = await api.kf_sync(KF, token=notice.token)
    events = [i["event"] for i in page.items if i["origin"] == 4]
    assert [(e["event_type"], e["fail_msgid"]) for e in events] == [("msg_send_fail", "outbox-9")]


async def test_a_retailer_photo_is_synced_as_a_media_id_to_fetch(api, standin, receiver):
    media_id, delivery = await standin.retailer_sends_media(
        "wmRetailer1", "image", b"\xff\xd8shelf", "image/jpeg"
    )
    assert delivery is not None
    notice = receiver.received[-1]
    assert isinstance(notice, KfNotice)
    (item,) = (await api.kf_sync(KF, token=notice.token)).items
    assert (item["msgtype"], item["image"]["media_id"]) == ("image", media_id)
    assert (await api.get_media(media_id)).content == b"\xff\xd8shelf"


async def test_a_url_check_answered_with_quotes_or_a_newline_fails(standin, clock):
    async def sloppy(request: web.Request) -> web.Response:
        q = request.query
        plain = standin.crypto().verify_url(
            q["msg_signature"], q["timestamp"], q["nonce"], q["echostr"]
        )
        return web.Response(text=f'"{plain}"\n')

    app = web.Application()
    app.router.add_get("/cb", sloppy)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        check = await standin.point_callbacks_at(f"http://{host}:{port}/cb").check_url()
    finally:
        await runner.cleanup()
    assert check.status == 200
    assert not check.passed
