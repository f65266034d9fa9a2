"""Where WeCom's callbacks are served: `serve` and `run` both answer at /wecom/callback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from starlette.routing import Route

from bot.app import RetailDesk, build
from bot.config import Settings
from bot.web import callbacks_app, webhook_app
from handlers.wecom.standin import WecomStandin
from tests.e2e.wecom_harness import wecom_mapping
from tests.unit.fakes import FakeClock

TELEGRAM = {
    "token": "123:abc",
    "base_url": "http://127.0.0.1:9/bot",
    "webhook_url": "https://desk.example.com/tg-hook",
    "secret_token": "s3cret",
}


@asynccontextmanager
async def built(folder: Path, telegram: dict[str, Any] | None) -> AsyncIterator[RetailDesk]:
    clock = FakeClock(datetime(2026, 12, 7, 3, 0, tzinfo=UTC))
    async with WecomStandin(clock) as wecom:
        mapping = wecom_mapping(wecom, folder, telegram=telegram)
        app = build(Settings.from_mapping(mapping, env={}, config_dir=folder), clock=clock)
        try:
            yield app
        finally:
            for channel in app.channels.values():
                if channel.name != "telegram":
                    await channel.close()
            await app.store.dispose()


def paths(routes: list[Any]) -> set[str]:
    return {route.path for route in routes if isinstance(route, Route)}


async def test_wecom_alone_runs_both_wechat_channels_and_no_telegram(tmp_path: Path) -> None:
    async with built(tmp_path, None) as app:
        assert set(app.channels) == {"wechat", "wecom"}
        assert set(app.seats) == {"wechat", "wecom"}
        assert app.telegram_channel is None
        assert "/wecom/callback" in paths(webhook_app(app).routes)


async def test_run_serves_wecom_s_callbacks_but_not_telegram_s_webhook(tmp_path: Path) -> None:
    async with built(tmp_path, TELEGRAM) as app:
        assert set(app.channels) == {"telegram", "wechat", "wecom"}
        # serve takes Telegram's posts too; run polls Telegram, so only WeCom's are served.
        assert {"/wecom/callback", "/tg-hook"} <= paths(webhook_app(app).routes)
        served = paths(callbacks_app(app).routes)
        assert "/wecom/callback" in served and "/tg-hook" not in served
