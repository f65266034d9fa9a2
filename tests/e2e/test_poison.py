"""One update the desk cannot read never stops anyone else: it is parked, and the desk goes on."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.config import Settings
from handlers.telegram.standin import Standin
from tests.databases import fresh_database, needs_postgres
from tests.e2e.harness import desk_mapping, desk_settings, running_desk, write_config
from tests.e2e.workers import ServeProcess, listener


def message_from_zhang(**fields: Any) -> dict[str, Any]:
    """Return a message update from retailer 9001 with some fields made wrong."""
    message = {
        "message_id": 77,
        "from": {"id": 9001, "is_bot": False, "first_name": "张伟"},
        "chat": {"id": 9001, "type": "private", "first_name": "张伟"},
        "date": 1_765_000_000,
        "text": "这条消息坏了",
    }
    return {"message": message | fields}


POISON = {
    # python-telegram-bot raises AttributeError reading a reply that is not an object.
    "reply that is a string": message_from_zhang(reply_to_message="不是对象"),
    # And OverflowError on a date past what a datetime holds.
    "date past year 9999": message_from_zhang(date=10**20),
    "chat that is a string": message_from_zhang(chat="9001"),
}
# Odd but readable: chat ids are kept as text, so this is stored and answered as a stranger's.
ODD = {"chat id past 64 bits": message_from_zhang(chat={"id": 2**70, "type": "private"})}


@pytest.mark.parametrize("poison", [*POISON.values(), *ODD.values()], ids=[*POISON, *ODD])
async def test_a_poison_update_is_parked_and_another_retailers_question_reaches_their_manager(
    tg: Standin, tmp_path: Path, poison: dict[str, Any]
) -> None:
    async with running_desk(desk_settings(tg, tmp_path), tg) as app:
        # No timer may rescue a stalled intake: only going on at once gets the question through.
        app.telegram.intake.idle = 3600.0
        tg.raw_update(poison)
        tg.get_user(9002).send("玉溪还有吗？")

        await tg.wait_message(5002, contains="玉溪还有吗？", timeout=10)
        assert tg.pending_updates == 0

    with sqlite3.connect(tmp_path / "desk.db") as db:
        states = db.execute("select state from inbox order by id").fetchall()
    assert states[0] in {("dead",), ("done",)}
    assert states[1:] == [("done",)]


@needs_postgres
async def test_on_postgresql_every_poison_update_is_parked_and_the_desk_goes_on(
    tg: Standin, tmp_path: Path
) -> None:
    async with fresh_database() as url:
        mapping = desk_mapping(tg, tmp_path)
        mapping["storage"] = {"url": url}
        settings = Settings.from_mapping(mapping, env={}, config_dir=tmp_path)
        async with running_desk(settings, tg) as app:
            app.telegram.intake.idle = 3600.0
            for poison in [*POISON.values(), *ODD.values()]:
                tg.raw_update(poison)
            tg.get_user(9001).send("中华到货了吗？")
            tg.get_user(9002).send("玉溪还有吗？")

            # Chats are handled side by side here; the poisoned chat's own next question too.
            await tg.wait_message(5002, contains="玉溪还有吗？", timeout=10)
            await tg.wait_message(5001, contains="中华到货了吗？", timeout=10)
            assert await app.telegram.intake.inbox.parked() == len(POISON)


async def test_through_the_webhook_a_poison_post_never_holds_back_the_next_update(
    tg: Standin, tmp_path: Path
) -> None:
    sock = listener()
    port = sock.getsockname()[1]
    mapping = desk_mapping(tg, tmp_path)
    mapping["telegram"] |= {"webhook_url": f"http://127.0.0.1:{port}/hook", "secret_token": "s3"}
    desk = ServeProcess(write_config(mapping, tmp_path), sock)
    try:
        desk.start()
        await desk.health(sender=True)
        await tg.wait_for(lambda: tg.calls_to("setWebhook"), timeout=30)
        # What no Telegram sends, posted as one that misbehaves would: refused, not retried as 500.
        hook = {"X-Telegram-Bot-Api-Secret-Token": "s3"}
        async with httpx.AsyncClient(base_url=desk.url, headers=hook) as client:
            utf16 = json.dumps({"update_id": 1, "message": {}}).encode("utf-16")
            assert (await client.post("/hook", content=utf16)).status_code == 400
            assert (await client.post("/hook", json={"update_id": 2**70})).status_code == 400
        # Telegram holds back every later update while one gets a 5xx; these must not.
        for poison in [*POISON.values(), *ODD.values()]:
            tg.raw_update(poison)
        tg.get_user(9002).send("玉溪还有吗？")

        await tg.wait_message(5002, contains="玉溪还有吗？", timeout=20)
        assert tg.world.webhook.last_error_message is None
    finally:
        code = desk.terminate()
    assert code == 0, desk.log.read_text()[-3000:]
    with sqlite3.connect(tmp_path / "desk.db") as db:
        parked = db.execute("select count(*) from inbox where state = 'dead'").fetchone()
    assert parked == (len(POISON),)
