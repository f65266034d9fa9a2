"""The console is served on the webhook listener (`serve`) and the callbacks listener (`run`)."""

from __future__ import annotations

import httpx
import pytest

from bot.app import build
from bot.config import Settings
from bot.web import callbacks_app, webhook_app
from handlers.console.security import CONTENT_SECURITY_POLICY
from storage.migrate import upgrade

CONFIG = {
    "telegram": {"token": "123456:TEST", "webhook_url": "https://desk.example.cn/tg"},
    "serve": {"host": "127.0.0.1", "port": 8443},
    "console": {"thresholds": {"unanswered": 4}},
    "supervisors": [{"id": "s1", "name": "陈主任", "telegram_id": 7001}],
    "managers": [{"id": "m1", "name": "李经理", "telegram_id": 5001, "supervisor": "s1"}],
}


@pytest.mark.parametrize("make", [webhook_app, callbacks_app])
async def test_the_console_is_served_beside_the_webhooks(make, tmp_path):
    mapping = {**CONFIG, "storage": {"url": f"sqlite:///{tmp_path / 'desk.db'}"}}
    app = build(Settings.from_mapping(mapping, {}, config_dir=tmp_path))
    await upgrade(app.store.engine)
    assert app.console is not None
    link = app.console.login_url(await app.console.access.issue_link("s1"))
    transport = httpx.ASGITransport(app=make(app))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://x") as browser:
            confirm = await browser.get(httpx.URL(link).path)
            signed_out = await browser.get("/console")
            health = await browser.get("/healthz")
    finally:
        await app.store.dispose()

    assert link.startswith("http://127.0.0.1:8443/console/login/")
    assert confirm.status_code == 200
    assert confirm.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert signed_out.status_code == 401
    # Only the console's answers carry its headers.
    assert "content-security-policy" not in health.headers
