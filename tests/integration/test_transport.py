"""The aiohttp transport and DeskBot against the stand-in: what goes over the wire, and errors."""

from __future__ import annotations

import io
import json
import logging
import socket
import traceback
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot import logs
from handlers.telegram.deskbot import DeskBot
from handlers.telegram.standin import Standin
from handlers.telegram.standin.records import Upload
from handlers.telegram.transport import AiohttpRequest

MANAGER = 5001
RETAILER = 9001


@pytest.fixture
async def tg() -> AsyncIterator[Standin]:
    async with Standin() as standin:
        standin.user(MANAGER, "李经理")
        standin.user(RETAILER, "张老板")
        yield standin


def desk_bot(base_url: str, token: str, *, read_timeout: float = 10.0) -> DeskBot:
    return DeskBot(
        token,
        base_url=base_url,
        request=AiohttpRequest(read_timeout=read_timeout),
        get_updates_request=AiohttpRequest(1),
    )


@pytest.fixture
async def bot(tg: Standin) -> AsyncIterator[DeskBot]:
    async with desk_bot(tg.base_url, tg.token) as ptb_bot:
        yield ptb_bot


async def test_a_send_returns_the_new_message_id_and_carries_the_keyboard(
    bot: DeskBot, tg: Standin
) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("处理中", callback_data="on:7")]])
    first = await bot.send_for_id("sendMessage", {"chat_id": MANAGER, "text": "问题 #7"})
    second = await bot.send_for_id(
        "sendMessage", {"chat_id": MANAGER, "text": "软中华还有货吗？", "reply_markup": keyboard}
    )

    assert second == first + 1
    message = tg.get_user(MANAGER).inbox()[-1]
    assert (message["message_id"], message["text"]) == (second, "软中华还有货吗？")
    assert message["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "on:7"


async def test_a_copy_returns_the_copy_s_id(bot: DeskBot, tg: Standin) -> None:
    original = tg.get_user(RETAILER).send("照片里的烟柜")

    copied = await bot.send_for_id(
        "copyMessage",
        {"chat_id": MANAGER, "from_chat_id": RETAILER, "message_id": original["message_id"]},
    )

    assert tg.get_user(MANAGER).inbox()[-1]["message_id"] == copied


async def test_files_go_as_multipart_with_their_name_and_bytes(bot: DeskBot, tg: Standin) -> None:
    data = "经理,首次响应\nm1,120\n".encode("utf-8-sig")

    await bot.send_document(MANAGER, InputFile(data, filename="周报.csv"), caption="第47周")

    upload = tg.calls_to("sendDocument")[-1].params["document"]
    assert isinstance(upload, Upload)
    assert (upload.file_name, upload.data) == ("周报.csv", data)
    assert tg.get_user(MANAGER).inbox()[-1]["caption"] == "第47周"


async def test_raw_updates_come_back_as_telegram_sent_them(bot: DeskBot, tg: Standin) -> None:
    tg.get_user(RETAILER).send("在吗？")

    updates = await bot.raw_updates(None, 0)

    assert [u["message"]["text"] for u in updates] == ["在吗？"]
    assert isinstance(updates[0]["update_id"], int)
    assert await bot.raw_updates(updates[-1]["update_id"] + 1, 0) == []


async def test_api_errors_are_ptb_s_own(bot: DeskBot, tg: Standin) -> None:
    with pytest.raises(BadRequest):
        await bot.send_for_id("sendMessage", {"chat_id": MANAGER, "text": ""})
    tg.get_user(MANAGER).block()
    with pytest.raises(Forbidden):
        await bot.send_for_id("sendMessage", {"chat_id": MANAGER, "text": "hi"})
    tg.fail("sendMessage", status=429, times=1, retry_after=3)
    with pytest.raises(RetryAfter):
        await bot.send_for_id("sendMessage", {"chat_id": RETAILER, "text": "hi"})


async def test_a_stalled_call_times_out(tg: Standin) -> None:
    tg.stall("sendMessage", times=1, seconds=5)
    async with desk_bot(tg.base_url, tg.token, read_timeout=0.3) as bot:
        with pytest.raises(TimedOut):
            await bot.send_for_id("sendMessage", {"chat_id": MANAGER, "text": "hi"})


async def test_a_dropped_connection_is_a_network_error(bot: DeskBot, tg: Standin) -> None:
    tg.drop("sendMessage", times=1)
    with pytest.raises(NetworkError) as caught:
        await bot.send_for_id("sendMessage", {"chat_id": MANAGER, "text": "hi"})
    assert "aiohttp." in str(caught.value)


async def test_nobody_listening_is_a_network_error(tg: Standin) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Nothing listens on the port any more: the connection is refused.
    bot_without_server = desk_bot(f"http://127.0.0.1:{port}/bot", tg.token)
    await bot_without_server.request.initialize()
    try:
        with pytest.raises(NetworkError):
            await bot_without_server.send_for_id("sendMessage", {"chat_id": MANAGER, "text": "hi"})
    finally:
        await bot_without_server.request.shutdown()


async def test_a_failing_request_and_its_logs_never_show_the_token(tg: Standin) -> None:
    secret = "123456:SECRET-PART-OF-THE-TOKEN"
    # aiohttp puts the whole URL, token included, in the error for a URL it cannot use.
    bot_with_bad_url = desk_bot("http://127.0.0.1:99999/bot", secret)
    await bot_with_bad_url.request.initialize()
    written = io.StringIO()
    loggers = [logging.getLogger(name) for name in ("", *logs._NOISY, *logs._DRIVERS)]
    levels = [logger.level for logger in loggers]
    handler = logs.configure(verbose=True, stream=written)
    try:
        with pytest.raises(NetworkError) as caught:
            await bot_with_bad_url.send_for_id("sendMessage", {"chat_id": MANAGER, "text": "hi"})
        logging.getLogger("telegram.ext.Application").error("send failed", exc_info=caught.value)
        logging.getLogger("tests").debug("calling %s", f"http://127.0.0.1:99999/bot{secret}/getMe")
    finally:
        logging.getLogger().removeHandler(handler)
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
        await bot_with_bad_url.request.shutdown()
    shown = "".join(traceback.format_exception(caught.value)) + repr(caught.value)
    assert "InvalidUrlClientError" in shown
    assert "SECRET-PART" not in shown
    assert "send failed" in written.getvalue()
    assert "bot<token>/getMe" in written.getvalue()
    assert "SECRET-PART" not in written.getvalue()


async def test_an_uninitialized_transport_says_so() -> None:
    with pytest.raises(RuntimeError, match="not initialized"):
        await AiohttpRequest().do_request("http://127.0.0.1:9/bot1:x/getMe", "POST")


async def test_plain_calls_go_as_json_with_nested_objects_and_unescaped_text() -> None:
    seen: list[tuple[str, bytes]] = []

    async def record(request: web.Request) -> web.Response:
        if request.path.endswith("/getMe"):
            me = {"id": 1, "is_bot": True, "first_name": "RetailDesk", "username": "desk_bot"}
            return web.json_response({"ok": True, "result": me})
        seen.append((request.content_type, await request.read()))
        return web.json_response({"ok": True, "result": {"message_id": 41}})

    app = web.Application()
    app.router.add_post("/{path:.*}", record)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("处理中", callback_data="on:7")]])
    try:
        async with desk_bot(f"http://127.0.0.1:{port}/bot", "1:x") as bot:
            params = {"chat_id": MANAGER, "text": "软中华还有货吗？", "reply_markup": keyboard}
            assert await bot.send_for_id("sendMessage", params) == 41
    finally:
        await runner.cleanup()

    ((content_type, body),) = seen
    assert content_type == "application/json"
    assert "软中华还有货吗？".encode() in body
    assert json.loads(body) == {
        "chat_id": MANAGER,
        "text": "软中华还有货吗？",
        "reply_markup": {"inline_keyboard": [[{"text": "处理中", "callback_data": "on:7"}]]},
    }
