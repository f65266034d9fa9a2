"""The webhook endpoint on a real database: the secret, store-then-answer, health and metrics."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text

from bot.app import RetailDesk, build, prepare
from bot.cli import main
from bot.config import Settings
from bot.web import health_app, webhook_app
from desk.policy import Policy
from desk.tickets import Event, EventKind, Ticket
from handlers.telegram.webhook import MAX_BODY_BYTES, SECRET_HEADER
from storage.engine import make_engine
from storage.tables import inbox

SECRET = "hook-s3cret_42"
T0 = datetime(2026, 11, 26, 19, 0, tzinfo=UTC)


def mapping(**telegram: Any) -> dict[str, Any]:
    return {
        "telegram": {
            "token": "123456:TEST-TOKEN",
            # Never reached: these tests talk to the ASGI app only.
            "base_url": "http://127.0.0.1:9/bot",
            "webhook_url": "https://desk.example.com/telegram/hook",
            "secret_token": SECRET,
            **telegram,
        },
        "storage": {"url": "sqlite:///desk.db"},
        "supervisors": [{"id": "s1", "name": "陈主任", "telegram_id": 7001}],
        "managers": [{"id": "m1", "name": "李经理", "telegram_id": 5001, "supervisor": "s1"}],
    }


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[RetailDesk]:
    app = build(Settings.from_mapping(mapping(), env={}, config_dir=tmp_path))
    await prepare(app)
    yield app
    await app.store.dispose()


@pytest.fixture
async def client(desk: RetailDesk) -> AsyncIterator[httpx.AsyncClient]:
    # The webhook with /healthz and /metrics beside it, as when metrics_port is the same port.
    transport = httpx.ASGITransport(app=webhook_app(desk, health=True))
    async with httpx.AsyncClient(transport=transport, base_url="http://desk") as http:
        yield http


def update(update_id: int, text: str = "有没有中华？", chat: int = 9001) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1795725715,
            "chat": {"id": chat, "type": "private", "first_name": "张伟"},
            "from": {"id": chat, "is_bot": False, "first_name": "张伟"},
            "text": text,
            "some_future_field": {"kept": True},
        },
    }


async def post(client: httpx.AsyncClient, body: Any, secret: str | None = SECRET) -> int:
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    response = await client.post("/telegram/hook", content=raw, headers=headers)
    return response.status_code


async def stored(desk: RetailDesk) -> list[tuple[int, int | None, str]]:
    async with desk.store.reading() as conn:
        query = select(inbox.c.update_id, inbox.c.chat_id, inbox.c.payload).order_by(inbox.c.id)
        return [tuple(row) for row in (await conn.execute(query)).all()]  # type: ignore[misc]


async def metrics(client: httpx.AsyncClient) -> str:
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return response.text


async def test_a_post_without_the_right_secret_is_refused_and_not_stored(
    desk: RetailDesk, client: httpx.AsyncClient
) -> None:
    assert await post(client, update(1), secret=None) == 403
    assert await post(client, update(1), secret=SECRET[:-1]) == 403
    assert await post(client, update(1), secret=SECRET + "x") == 403
    assert await stored(desk) == []
    assert 'retaildesk_updates_rejected_total{reason="secret"} 3.0' in await metrics(client)


async def test_an_update_is_stored_whole_before_the_200_and_the_intake_is_woken(
    desk: RetailDesk, client: httpx.AsyncClient
) -> None:
    assert await post(client, update(7)) == 200
    [(update_id, chat_id, payload)] = await stored(desk)
    assert (update_id, chat_id) == (7, "9001")
    assert json.loads(payload) == update(7)
    assert desk.telegram.intake.arrived.is_set()
    # Telegram posts again when it missed our answer: still 200, still one row.
    assert await post(client, update(7)) == 200
    assert len(await stored(desk)) == 1
    assert "retaildesk_updates_received_total 2.0" in await metrics(client)


async def test_what_is_not_an_update_gets_400(desk: RetailDesk, client: httpx.AsyncClient) -> None:
    assert await post(client, b"{not json") == 400
    assert await post(client, {"message": {}}) == 400
    assert await post(client, {"update_id": "7"}) == 400
    assert await stored(desk) == []


async def test_a_body_that_cannot_be_parsed_gets_400_never_500(
    desk: RetailDesk, client: httpx.AsyncClient
) -> None:
    # Valid JSON to a lenient reader, but not what Telegram sends, and not storable as sent.
    assert await post(client, json.dumps(update(1)).encode("utf-16")) == 400
    assert await post(client, b"\xff\xfe not text") == 400
    assert await post(client, update(2**70)) == 400
    assert await post(client, {"update_id": True}) == 400
    assert await post(client, [update(2)]) == 400
    # Nested past what the parser follows.
    assert await post(client, b"[" * 100_000 + b"]" * 100_000) == 400
    assert await stored(desk) == []
    assert 'retaildesk_updates_rejected_total{reason="unreadable"} 6.0' in await metrics(client)


async def test_an_update_with_odd_fields_is_kept_for_the_intake_to_park(
    desk: RetailDesk, client: httpx.AsyncClient
) -> None:
    chat_text = update(3)
    chat_text["message"]["chat"] = "9001"
    huge_chat = update(4, chat=2**70)
    query_list = {"update_id": 5, "callback_query": {"from": [9001]}}
    for body in (chat_text, huge_chat, query_list):
        assert await post(client, body) == 200
    # Stored as sent, but with no chat the inbox could hold: the intake parks what it cannot read.
    assert [(u, chat) for u, chat, _ in await stored(desk)] == [(3, None), (4, None), (5, None)]


async def test_a_body_larger_than_telegram_sends_gets_413_and_is_not_stored(
    desk: RetailDesk, client: httpx.AsyncClient
) -> None:
    huge = update(9, text="货" * MAX_BODY_BYTES)
    assert await post(client, huge) == 413

    async def trickle() -> AsyncIterator[bytes]:
        # Chunked, with no length given up front: counted as it comes.
        for _ in range(3):
            yield b" " * (MAX_BODY_BYTES // 2)
        yield json.dumps(update(10)).encode()

    headers = {SECRET_HEADER: SECRET}
    response = await client.post("/telegram/hook", content=trickle(), headers=headers)
    assert response.status_code == 413
    assert await stored(desk) == []
    assert 'retaildesk_updates_rejected_total{reason="too_large"} 2.0' in await metrics(client)


async def test_a_body_that_does_not_arrive_in_time_gets_408(desk: RetailDesk) -> None:
    never = asyncio.Event()

    async def stalled() -> AsyncIterator[bytes]:
        yield b'{"update_id": 11,'
        await never.wait()
        yield b"}"

    desk.telegram.body_seconds = 0.05
    transport = httpx.ASGITransport(app=webhook_app(desk, health=True))
    async with httpx.AsyncClient(transport=transport, base_url="http://desk") as http:
        headers = {SECRET_HEADER: SECRET}
        posting = http.post("/telegram/hook", content=stalled(), headers=headers)
        response = await asyncio.wait_for(posting, 5)
        assert response.status_code == 408
        assert 'retaildesk_updates_rejected_total{reason="slow"} 1.0' in await metrics(http)
    assert await stored(desk) == []


async def test_health_and_metrics_can_be_kept_off_the_webhook_s_address(desk: RetailDesk) -> None:
    hook, health = webhook_app(desk), health_app(desk)
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(app=hook), base_url="http://h") as public,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=health), base_url="http://m") as local,
    ):
        assert (await public.get("/metrics")).status_code == 404
        assert (await public.get("/healthz")).status_code == 404
        assert await post(public, update(12)) == 200
        assert (await local.get("/healthz")).status_code == 200
        assert "retaildesk_updates_received_total 1.0" in await metrics(local)
        assert (await local.post("/telegram/hook", json=update(13))).status_code in (404, 405)


async def test_an_update_that_cannot_be_stored_gets_500_so_telegram_retries(
    desk: RetailDesk, client: httpx.AsyncClient
) -> None:
    async with desk.store.engine.begin() as conn:
        await conn.execute(text("DROP TABLE inbox"))
    assert await post(client, update(8)) == 500
    assert 'retaildesk_updates_rejected_total{reason="storage"} 1.0' in await metrics(client)


async def test_health_and_metrics_say_whether_the_database_answers(
    desk: RetailDesk, client: httpx.AsyncClient
) -> None:
    response = await client.get("/healthz")
    # SQLite: the only process is always the sender.
    assert (response.status_code, response.json()) == (200, {"ok": True, "sender": True})
    working = desk.store.engine
    desk.store.engine = make_engine("postgresql://nobody@127.0.0.1:1/nothing")
    try:
        response = await client.get("/healthz")
        assert response.status_code == 503
        assert response.json()["ok"] is False
        # Metrics still show this worker's own counters, and that the database is down.
        page = await metrics(client)
        assert "retaildesk_database_up 0.0" in page
        assert "retaildesk_updates_received_total 0.0" in page
    finally:
        await desk.store.engine.dispose()
        desk.store.engine = working


async def test_metrics_show_backlog_escalations_sends_and_first_response(
    desk: RetailDesk, client: httpx.AsyncClient
) -> None:
    async with desk.store.transaction() as ledger:
        ticket = await ledger.create_ticket(Ticket(0, "r1", "m1", "m1", T0, Policy(())))
        for step in (0, 0, 1):
            await ledger.record(Event(ticket.id, EventKind.ESCALATED, T0, step=step))
        await ledger.record(Event(ticket.id, EventKind.ANSWERED, T0, seconds=45.0, round=0))
        await ledger.record(Event(ticket.id, EventKind.ANSWERED, T0, seconds=4000.0, round=1))
    desk.metrics.sent("sent")
    desk.metrics.sent("retry")
    page = await metrics(client)
    for line in (
        "retaildesk_database_up 1.0",
        "retaildesk_outbox_backlog 0.0",
        'retaildesk_escalations_fired_total{step="1"} 2.0',
        'retaildesk_escalations_fired_total{step="2"} 1.0',
        'retaildesk_sends_total{result="sent"} 1.0',
        'retaildesk_sends_total{result="retry"} 1.0',
        'retaildesk_sends_total{result="failed"} 0.0',
        'retaildesk_first_response_seconds_bucket{le="30"} 0.0',
        'retaildesk_first_response_seconds_bucket{le="60"} 1.0',
        'retaildesk_first_response_seconds_bucket{le="+Inf"} 1.0',
        "retaildesk_first_response_seconds_count 1.0",
        "retaildesk_first_response_seconds_sum 45.0",
    ):
        assert line in page.splitlines(), line


async def test_each_app_has_its_own_registry(tmp_path: Path) -> None:
    first = build(Settings.from_mapping(mapping(), env={}, config_dir=tmp_path))
    second = build(Settings.from_mapping(mapping(), env={}, config_dir=tmp_path))
    first.metrics.updates_received.inc()
    assert first.metrics.registry is not second.metrics.registry
    assert second.metrics.updates_received._value.get() == 0
    for app in (first, second):
        await app.store.dispose()


def write(folder: Path, telegram: dict[str, Any], storage: str = "sqlite:///desk.db") -> Path:
    lines = ["[telegram]", *(f"{k} = {json.dumps(v)}" for k, v in telegram.items())]
    lines += ["[storage]", f"url = {json.dumps(storage)}"]
    path = folder / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_serve_names_each_missing_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write(tmp_path, {"token": "123456:TEST-TOKEN"})
    assert main(["serve", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "telegram.webhook_url" in err and "telegram.secret_token" in err
    assert "Traceback" not in err


def test_serve_refuses_several_workers_on_sqlite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    telegram = {
        "token": "123456:TEST-TOKEN",
        "webhook_url": "https://desk.example.com/hook",
        "secret_token": "bad secret!",
    }
    assert main(["serve", "--config", str(write(tmp_path, telegram)), "--workers", "2"]) == 2
    err = capsys.readouterr().err
    assert "storage.url" in err and "postgresql://" in err
    assert "telegram.secret_token" in err and "letters, digits" in err
