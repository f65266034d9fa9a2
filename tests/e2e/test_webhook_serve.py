"""`retaildesk serve` as its own process: Telegram posts, the desk answers; one poller per bot."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from handlers.telegram.standin import Standin
from tests.databases import fresh_database, needs_postgres
from tests.e2e.harness import ROSTER, DeskProcess, desk_mapping, polling, write_config
from tests.e2e.workers import ROOT, ServeProcess, clean_env, listener, until

SECRET = "e2e-hook_secret"


def webhook_config(tg: Standin, folder: Path, port: int, storage: str | None = None) -> Path:
    mapping: dict[str, Any] = desk_mapping(tg, folder)
    mapping["telegram"] |= {
        "webhook_url": f"http://127.0.0.1:{port}/telegram",
        "secret_token": SECRET,
    }
    if storage is not None:
        mapping["storage"] = {"url": storage}
    return write_config(mapping, folder)


async def test_telegram_posts_and_the_desk_answers_through_the_webhook(
    tg: Standin, tmp_path: Path
) -> None:
    sock = listener()
    desk = ServeProcess(webhook_config(tg, tmp_path, sock.getsockname()[1]), sock)
    try:
        desk.start()
        assert await desk.health(sender=True) == {"ok": True, "sender": True}
        async with httpx.AsyncClient() as client:
            # A proxy forwarding every path to the webhook's port publishes no metrics.
            assert (await client.get(f"{desk.url}/metrics")).status_code == 404
            assert (await client.get(f"{desk.url}/healthz")).status_code == 404
            assert (await client.get(f"{desk.metrics_url}/metrics")).status_code == 200
        [hook] = await tg.wait_for(lambda: tg.calls_to("setWebhook"), timeout=30)
        assert hook.params["url"] == f"http://127.0.0.1:{desk.port}/telegram"
        assert hook.params["secret_token"] == SECRET

        zhang, li = tg.get_user(9001), tg.get_user(5001)
        zhang.send("软中华还有货吗？")
        await tg.wait_message(9001, contains="已收到", timeout=20)
        question = await tg.wait_message(5001, contains="软中华还有货吗？", timeout=20)
        li.send("有的，明早给您送两条。", reply_to=question)
        answer = await tg.wait_message(9001, timeout=20)
        assert answer["text"] == "李经理：有的，明早给您送两条。"
        assert tg.world.webhook.delivered == 2
        assert tg.world.webhook.last_error_message is None
    finally:
        code = desk.terminate()
    assert code == 0, desk.log.read_text()[-3000:]


@needs_postgres
async def test_a_second_poller_on_postgresql_is_refused_plainly(
    tg: Standin, tmp_path: Path
) -> None:
    async with fresh_database() as url:
        mapping = desk_mapping(tg, tmp_path)
        mapping["storage"] = {"url": url}
        config = write_config(mapping, tmp_path)
        first = DeskProcess(config)
        try:
            first.start()
            await polling(tg)
            second = await asyncio.to_thread(
                subprocess.run,
                [sys.executable, "-m", "bot.cli", "run", "--config", str(config)],
                capture_output=True,
                text=True,
                env=clean_env(),
                cwd=ROOT,
                timeout=60,
            )
            assert second.returncode == 1
            assert "one getUpdates consumer per token" in second.stderr
            assert "Traceback" not in second.stderr
            assert first.alive
        finally:
            code = first.terminate()
        assert code == 0


@needs_postgres
async def test_serve_keeps_its_workers_running_on_one_socket(tg: Standin, tmp_path: Path) -> None:
    (tmp_path / "retailers.csv").write_text(ROSTER, encoding="utf-8")
    sock = listener()
    async with fresh_database() as url:
        config = webhook_config(tg, tmp_path, sock.getsockname()[1], url)
        desk = ServeProcess(config, sock, workers=2)
        try:
            desk.start()
            await desk.health()
            await until(lambda: len(desk.children()) == 2, what="two workers")
            doomed = desk.children()[0]
            os.kill(doomed, signal.SIGKILL)
            await until(
                lambda: len(desk.children()) == 2 and doomed not in desk.children(),
                what="a new worker in place of the killed one",
            )
            await desk.health()
            tg.get_user(9002).send("利群有货吗？")
            await tg.wait_message(5002, contains="利群有货吗？", timeout=30)
        finally:
            code = desk.terminate()
        assert code == 0, desk.log.read_text()[-3000:]
