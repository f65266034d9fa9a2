"""Drive the Telegram stand-in with PTB's real Bot and Application, and raw httpx."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    MessageId,
    ReplyKeyboardMarkup,
    ReplyParameters,
    Update,
)
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

from handlers.telegram.standin import Standin
from handlers.telegram.standin.server import LoopbackServer

MANAGER = 5001
OWNER = 6001
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def tg() -> AsyncIterator[Standin]:
    async with Standin() as standin:
        yield standin


@pytest.fixture
async def bot(tg: Standin) -> AsyncIterator[Bot]:
    async with Bot(tg.token, base_url=tg.base_url, base_file_url=tg.base_file_url) as ptb_bot:
        yield ptb_bot


def _keyboard(*pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(t, callback_data=d) for t, d in pairs]])


async def test_get_me_describes_the_bot(bot: Bot, tg: Standin) -> None:
    me = await bot.get_me()

    assert (me.id, me.is_bot, me.username) == (123456, True, "retaildesk_bot")
    assert tg.calls[-1].method == "getMe"
    assert tg.calls[-1].status == 200


async def test_send_message_counts_ids_per_chat(bot: Bot, tg: Standin) -> None:
    manager = tg.user(MANAGER, "李经理")
    tg.user(OWNER, "王老板")

    first = await bot.send_message(MANAGER, "你好")
    manager.send("收到")
    second = await bot.send_message(MANAGER, "请问需要什么帮助？")
    other = await bot.send_message(OWNER, "您好")

    assert (first.message_id, second.message_id, other.message_id) == (1, 3, 1)
    assert first.from_user is not None and first.from_user.id == bot.id
    assert first.chat.first_name == "李经理"
    assert [m["text"] for m in tg.inbox(MANAGER)] == ["你好", "请问需要什么帮助？"]
    assert tg.transcript()[0] == "→ chat 5001 (李经理): 你好"


async def test_get_updates_confirms_below_offset_and_redelivers_the_rest(
    bot: Bot, tg: Standin
) -> None:
    manager = tg.user(MANAGER, "李经理")
    for text in ("一", "二", "三"):
        manager.send(text)

    batch = await bot.get_updates()
    again = await bot.get_updates()
    rest = await bot.get_updates(offset=batch[1].update_id)

    assert [u.message.text for u in batch if u.message] == ["一", "二", "三"]
    assert [u.update_id for u in again] == [u.update_id for u in batch]
    assert [u.message.text for u in rest if u.message] == ["二", "三"]
    assert tg.pending_updates == 2
    assert await bot.get_updates(offset=rest[-1].update_id + 1) == ()
    assert tg.pending_updates == 0


async def test_long_poll_returns_as_soon_as_an_update_arrives(bot: Bot, tg: Standin) -> None:
    manager = tg.user(MANAGER, "李经理")
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await tg.wait_for(lambda: tg.polls_waiting)

    manager.send("在吗")
    updates = await asyncio.wait_for(poll, timeout=5)

    assert [u.message.text for u in updates if u.message] == ["在吗"]
    assert time.monotonic() - started < 5


async def test_bodies_in_every_encoding_are_understood(tg: Standin) -> None:
    tg.user(MANAGER, "李经理")
    url = f"{tg.base_url}{tg.token}/sendMessage"
    markup = {"inline_keyboard": [[{"text": "好", "callback_data": "ok"}]]}
    async with httpx.AsyncClient() as client:
        form = await client.post(
            url, data={"chat_id": "5001", "text": "表单", "reply_markup": json.dumps(markup)}
        )
        body = await client.post(
            url, json={"chat_id": 5001, "text": "JSON", "reply_markup": markup}
        )
        query = await client.get(url, params={"chat_id": "5001", "text": "query"})
        upload = await client.post(
            f"{tg.base_url}{tg.token}/SENDDOCUMENT",
            data={"chat_id": "5001", "caption": "报表"},
            files={"document": ("周报.xlsx", b"x" * 321, "application/vnd.ms-excel")},
        )

    assert [r.status_code for r in (form, body, query, upload)] == [200, 200, 200, 200]
    assert form.json()["result"]["reply_markup"] == markup
    assert body.json()["result"]["reply_markup"] == markup
    assert query.json()["result"]["text"] == "query"
    document = upload.json()["result"]["document"]
    assert (document["file_name"], document["file_size"]) == ("周报.xlsx", 321)
    recorded = tg.calls_to("sendDocument")[0].params["document"]
    assert (recorded.file_name, recorded.size) == ("周报.xlsx", 321)
    assert [m["message_id"] for m in tg.inbox(MANAGER)] == [1, 2, 3, 4]


async def test_ptb_uploads_arrive_as_multipart_files(bot: Bot, tg: Standin) -> None:
    tg.user(MANAGER, "李经理")

    sent = await bot.send_photo(
        MANAGER, b"\x89PNG" + b"0" * 100, caption="<b>新品</b>", parse_mode="HTML"
    )
    file = await bot.get_file(sent.photo[-1].file_id)
    content = await file.download_as_bytearray()

    assert sent.caption == "新品"
    assert sent.caption_entities[0].type == "bold"
    assert bytes(content).startswith(b"\x89PNG")
    assert tg.calls_to("sendPhoto")[0].params["photo"].size == 104


async def test_wrong_token_and_unknown_method_are_rejected(tg: Standin) -> None:
    async with httpx.AsyncClient() as client:
        unknown = await client.post(f"{tg.base_url}{tg.token}/sendTelepathy")
    with pytest.raises(InvalidToken, match="rejected"):
        async with Bot("999:WRONG", base_url=tg.base_url):
            pass
    assert unknown.status_code == 404
    assert unknown.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    assert [c.status for c in tg.calls] == [404, 401]


async def test_rate_limit_surfaces_as_retry_after_and_delivers_nothing(
    bot: Bot, tg: Standin, monkeypatch: pytest.MonkeyPatch
) -> None:
    # PTB 22 warns on every int-valued RetryAfter unless timedeltas are opted into.
    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    tg.user(MANAGER, "李经理")
    tg.fail("sendMessage", status=429, times=1, retry_after=3)

    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(MANAGER, "第一次")
    retried = await bot.send_message(MANAGER, "第二次")

    assert caught.value.retry_after == timedelta(seconds=3)
    assert [c.status for c in tg.calls_to("sendMessage")] == [429, 200]
    assert retried.message_id == 1
    assert [m["text"] for m in tg.inbox(MANAGER)] == ["第二次"]


async def test_server_errors_repeat_until_healed(bot: Bot, tg: Standin) -> None:
    tg.user(MANAGER, "李经理")
    tg.fail("*", status=502)

    for _ in range(2):
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await bot.send_message(MANAGER, "失败")
    tg.heal()
    await bot.send_message(MANAGER, "成功")

    assert [m["text"] for m in tg.inbox(MANAGER)] == ["成功"]


async def test_blocked_user_gives_forbidden_and_a_kicked_update(bot: Bot, tg: Standin) -> None:
    manager = tg.user(MANAGER, "李经理")
    manager.block()

    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(MANAGER, "还在吗")
    (update,) = await bot.get_updates()

    assert update.my_chat_member is not None
    assert update.my_chat_member.new_chat_member.status == "kicked"
    assert tg.inbox(MANAGER) == []


async def test_unknown_chat_and_overlong_text_are_bad_requests(bot: Bot, tg: Standin) -> None:
    tg.user(MANAGER, "李经理")

    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(7777, "谁")
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(MANAGER, "长" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(MANAGER, "价格 <100 元", parse_mode="HTML")


async def test_registered_users_count_as_started_unless_told_otherwise(
    bot: Bot, tg: Standin
) -> None:
    shy = tg.user(OWNER, "王老板", started=False)

    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(OWNER, "您好")
    shy.start()
    sent = await bot.send_message(OWNER, "您好")

    assert sent.message_id == 2
    assert tg.last(OWNER)["text"] == "您好"


async def test_group_messages_use_the_group_chat(bot: Bot, tg: Standin) -> None:
    manager = tg.user(MANAGER, "李经理")
    manager.send_in_group(-100123, "门店群", "/help@retaildesk_bot")

    (update,) = await bot.get_updates()
    assert update.message is not None
    await update.message.reply_text("帮助")

    assert update.message.chat.type == "group"
    assert update.message.text == "/help@retaildesk_bot"
    assert tg.last(-100123)["reply_to_message"]["from"]["id"] == MANAGER
    assert tg.transcript()[0] == "← chat -100123 (门店群) 李经理: /help@retaildesk_bot"


async def test_copy_message_lands_in_the_target_chat(bot: Bot, tg: Standin) -> None:
    owner = tg.user(OWNER, "王老板")
    tg.user(MANAGER, "李经理")
    photo = owner.send_photo(caption="货架缺货")

    copied = await bot.copy_message(
        MANAGER,
        OWNER,
        photo["message_id"],
        caption="来自王老板",
        reply_markup=_keyboard(("接单", "take")),
    )

    assert isinstance(copied, MessageId)
    landed = tg.last(MANAGER)
    assert landed["message_id"] == copied.message_id
    assert landed["photo"] == photo["photo"]
    assert landed["caption"] == "来自王老板"
    assert landed["from"]["is_bot"] is True
    assert landed["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "take"


async def test_pressing_a_button_yields_a_callback_query(bot: Bot, tg: Standin) -> None:
    manager = tg.user(MANAGER, "李经理")
    await bot.send_message(MANAGER, "处理这个工单？", reply_markup=_keyboard(("接单", "take:42")))

    query_id = manager.press(tg.last(MANAGER), "take:42")
    (update,) = await bot.get_updates()
    query = update.callback_query
    assert query is not None
    await query.answer("已接单")

    assert (query.id, query.data, query.from_user.id) == (query_id, "take:42", MANAGER)
    assert query.message is not None and query.message.message_id == 1
    assert tg.answered_callbacks[0]["text"] == "已接单"
    with pytest.raises(LookupError, match="no button"):
        manager.press(tg.last(MANAGER), "drop:42")


async def test_replies_carry_reply_to_message_both_ways(bot: Bot, tg: Standin) -> None:
    manager = tg.user(MANAGER, "李经理")
    question = manager.send("订单 1024 到哪了？")
    answer = await bot.send_message(
        MANAGER, "已发货", reply_parameters=ReplyParameters(question["message_id"])
    )
    manager.send("谢谢", reply_to=tg.last(MANAGER))

    updates = await bot.get_updates()
    thanks = updates[-1].message

    assert answer.reply_to_message is not None
    assert answer.reply_to_message.text == "订单 1024 到哪了？"
    assert thanks is not None and thanks.reply_to_message is not None
    assert thanks.reply_to_message.message_id == answer.message_id


async def test_edits_replace_text_and_refuse_no_op_edits(bot: Bot, tg: Standin) -> None:
    tg.user(MANAGER, "李经理")
    sent = await bot.send_message(MANAGER, "处理中", reply_markup=_keyboard(("取消", "cancel")))

    edited = await bot.edit_message_text("已完成", chat_id=MANAGER, message_id=sent.message_id)

    assert isinstance(edited, Message)
    assert edited.text == "已完成"
    assert edited.edit_date is not None
    assert "reply_markup" not in tg.last(MANAGER)
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("已完成", chat_id=MANAGER, message_id=sent.message_id)


async def test_reply_keyboard_is_kept_on_the_chat(bot: Bot, tg: Standin) -> None:
    tg.user(MANAGER, "李经理")
    keyboard = ReplyKeyboardMarkup([[KeyboardButton("分享手机号", request_contact=True)]])

    sent = await bot.send_message(MANAGER, "请验证身份", reply_markup=keyboard)

    assert sent.reply_markup is None
    assert tg.keyboard(MANAGER) == [["分享手机号"]]


async def test_allowed_updates_filters_unwanted_kinds(bot: Bot, tg: Standin) -> None:
    manager = tg.user(MANAGER, "李经理")
    manager.send("文字")
    manager.edit(manager.send("原文"), "改过")

    updates = await bot.get_updates(allowed_updates=["message"])

    assert [u.message.text for u in updates if u.message] == ["文字", "原文"]
    assert tg.pending_updates == 2


async def test_stalled_call_times_out_without_delivering(tg: Standin) -> None:
    tg.user(MANAGER, "李经理")
    tg.stall("sendMessage", times=1, seconds=30)
    request = HTTPXRequest(read_timeout=0.3)
    async with Bot(tg.token, base_url=tg.base_url, request=request) as impatient:
        with pytest.raises(TimedOut):
            await impatient.send_message(MANAGER, "慢")
        await impatient.send_message(MANAGER, "快")

    assert [c.status for c in tg.calls_to("sendMessage")] == [0, 200]
    assert [m["text"] for m in tg.inbox(MANAGER)] == ["快"]


async def test_dropped_connection_surfaces_as_network_error(bot: Bot, tg: Standin) -> None:
    tg.user(MANAGER, "李经理")
    tg.drop("sendMessage", times=1)

    with pytest.raises(NetworkError) as caught:
        await bot.send_message(MANAGER, "断线")
    await bot.send_message(MANAGER, "重连")

    assert not isinstance(caught.value, TimedOut)
    assert [m["text"] for m in tg.inbox(MANAGER)] == ["重连"]


async def test_stop_is_quick_while_a_long_poll_is_pending() -> None:
    tg = Standin()
    await tg.start()
    async with Bot(tg.token, base_url=tg.base_url) as ptb_bot:
        poll = asyncio.create_task(ptb_bot.get_updates(timeout=30))
        await tg.wait_for(lambda: tg.polls_waiting)
        started = time.monotonic()
        await tg.stop()
        elapsed = time.monotonic() - started
        assert await poll == ()

    assert elapsed < 1.0


async def test_webhook_posts_updates_with_the_secret_and_retries(bot: Bot, tg: Standin) -> None:
    received: list[tuple[str | None, dict[str, object]]] = []
    statuses = [500, 200, 200]

    async def hook(request: Request) -> Response:
        received.append(
            (request.headers.get("x-telegram-bot-api-secret-token"), await request.json())
        )
        return Response(status_code=statuses[min(len(received), len(statuses)) - 1])

    receiver = LoopbackServer(Starlette(routes=[Route("/hook", hook, methods=["POST"])]))
    await receiver.start()
    try:
        manager = tg.user(MANAGER, "李经理")
        await bot.set_webhook(f"{receiver.url}/hook", secret_token="s3cret-token")
        manager.send("推送")
        await tg.wait_for(lambda: len(received) >= 2 and tg.pending_updates == 0)
        info = await bot.get_webhook_info()
        with pytest.raises(Conflict):
            await bot.get_updates()
    finally:
        await receiver.stop()

    assert [secret for secret, _ in received] == ["s3cret-token", "s3cret-token"]
    assert received[0][1] == received[1][1]
    delivered = Update.de_json(received[1][1], bot).message
    assert delivered is not None
    assert delivered.text == "推送"
    assert info.url.endswith("/hook")
    assert info.last_error_message is not None


async def test_wait_for_timeout_lists_recent_calls(bot: Bot, tg: Standin) -> None:
    tg.user(MANAGER, "李经理")
    await bot.send_message(MANAGER, "一条消息")

    with pytest.raises(TimeoutError, match="sendMessage"):
        await tg.wait_message(MANAGER, "不存在", timeout=0.05)


async def test_a_driver_can_wait_for_the_bots_messages_without_polling(
    bot: Bot, tg: Standin
) -> None:
    tg.user(MANAGER, "李经理")
    wait = f"{tg.base_url.removesuffix('/bot')}/_standin/wait"
    async with httpx.AsyncClient() as client:
        waiting = asyncio.create_task(client.get(wait, params={"bot_messages": 2, "timeout": 5}))
        await bot.send_message(MANAGER, "第一条")
        await bot.send_message(MANAGER, "第二条")
        reached = await waiting
        short = await client.get(wait, params={"bot_messages": 3, "timeout": 0.1})
        bad = await client.get(wait, params={"bot_messages": "many"})

    assert (reached.status_code, reached.json()["bot_messages"]) == (200, 2)
    assert short.status_code == 504
    assert short.json()["description"] == "only 2 of 3 bot messages arrived in 0.1 s"
    assert bad.status_code == 400


async def test_ptb_application_converses_through_polling(tg: Standin) -> None:
    manager = tg.user(MANAGER, "李经理")

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(
            "欢迎！", reply_markup=_keyboard(("查询订单", "orders"))
        )

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.callback_query is not None
        await update.callback_query.answer()
        await update.callback_query.edit_message_text("您没有未完成的订单")

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(f"收到：{update.effective_message.text}")

    app = (
        Application.builder()
        .token(tg.token)
        .base_url(tg.base_url)
        .base_file_url(tg.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(drop_pending_updates=True)
        try:
            manager.start()
            welcome = await tg.wait_message(MANAGER, "欢迎")
            manager.press(welcome, "orders")
            await tg.wait_for(lambda: tg.last(MANAGER).get("text") == "您没有未完成的订单")
            manager.send("人工客服")
            echoed = await tg.wait_message(MANAGER, "收到")
        finally:
            await app.updater.stop()
            await app.stop()

    assert echoed["text"] == "收到：人工客服"
    assert len(tg.answered_callbacks) == 1
    assert tg.pending_updates == 0


async def test_standalone_process_prints_base_url() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "handlers.telegram.standin",
        "--port",
        "0",
        "--token",
        "42:BENCH",
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        base_url = (await asyncio.wait_for(process.stdout.readline(), timeout=20)).decode().strip()
        root = base_url.removesuffix("/bot")
        async with httpx.AsyncClient() as client:
            registered = await client.post(
                f"{root}/_standin/users", json={"user_id": MANAGER, "first_name": "李经理"}
            )
            sent = await client.post(
                f"{root}/_standin/actions", json={"user_id": MANAGER, "text": "hi"}
            )
            updates = (await client.post(f"{base_url}42:BENCH/getUpdates")).json()
            stats = (await client.get(f"{root}/_standin/stats")).json()
    finally:
        process.terminate()
        await process.wait()
        if process.stderr is not None:
            await process.stderr.read()

    assert registered.status_code == sent.status_code == 200
    assert updates["result"][0]["message"]["text"] == "hi"
    assert stats["by_method"] == {"getUpdates": {"200": 1}}
