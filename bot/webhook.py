"""The webhook endpoint: check the secret, store the update, only then answer; health; metrics."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from urllib.parse import urlsplit

from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.app import RetailDesk
from bot.metrics import CONTENT_TYPE
from bot.poller import chat_of, update_id_of
from storage.inbox import Arrival
from storage.vitals import ping

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram sends at most 4096 characters of text or 1024 of caption per message and files only
# as ids, so even written as \uXXXX escapes, with the message it replies to and its entities,
# an update is some tens of kilobytes. 1 MiB leaves room for fields Telegram may add, and keeps
# anyone who knows the URL from making a worker read megabytes.
MAX_BODY_BYTES = 1 << 20
# Telegram posts a whole update at once; a body still trickling in after this is held open on
# purpose, by someone tying up a connection.
BODY_SECONDS = 10.0


class _TooLargeError(Exception):
    """The body went past MAX_BODY_BYTES."""


def webhook_path(url: str | None) -> str:
    """Return the path Telegram posts to, taken from the configured webhook URL."""
    return urlsplit(url or "").path or "/"


async def _body(request: Request, within: float) -> bytes:
    """Read a body of at most MAX_BODY_BYTES that arrives within the given seconds."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise _TooLargeError
    chunks, size = [], 0
    async with asyncio.timeout(within):
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise _TooLargeError
            chunks.append(chunk)
    return b"".join(chunks)


def webhook_app(
    app: RetailDesk, *, health: bool = False, body_seconds: float = BODY_SECONDS
) -> Starlette:
    """Build the ASGI app that takes Telegram's posts (and, with health, /healthz and /metrics)."""
    telegram = app.settings.telegram
    secret = telegram.secret_token.get_secret_value().encode() if telegram.secret_token else None
    metrics, inbox, clock = app.metrics, app.intake.inbox, app.desk.ctx.clock

    async def receive(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        # Constant time, so the secret cannot be guessed a character at a time.
        if secret is not None and not hmac.compare_digest(given, secret):
            metrics.updates_rejected.labels(reason="secret").inc()
            return Response(status_code=403)
        try:
            body = await _body(request, body_seconds)
        except _TooLargeError:
            metrics.updates_rejected.labels(reason="too_large").inc()
            return Response(status_code=413)
        except TimeoutError:
            metrics.updates_rejected.labels(reason="slow").inc()
            return Response(status_code=408)
        try:
            # Telegram sends UTF-8; json.loads would also take UTF-16, which is not stored as sent.
            payload = body.decode("utf-8")
            raw = json.loads(payload)
        except (ValueError, RecursionError) as error:
            return _refused("not JSON in UTF-8", error)
        update_id = update_id_of(raw)
        if update_id is None:
            return _refused("no update id the inbox can hold", None)
        # The body as sent keeps every field, even ones this version does not know. Whatever
        # else is wrong with it is the intake's to find: it is kept there, parked, and counted.
        arrival = Arrival(update_id, chat_of(raw), payload)
        try:
            await inbox.keep([arrival], clock.now())
        except (SQLAlchemyError, OSError) as error:
            # Not stored, so not confirmed: Telegram keeps the update and posts it again.
            metrics.updates_rejected.labels(reason="storage").inc()
            log.error("could not store update %s: %s", update_id, error)
            return Response(status_code=500)
        metrics.updates_received.inc()
        app.intake.wake()
        return Response(status_code=200)

    def _refused(why: str, error: BaseException | None) -> Response:
        metrics.updates_rejected.labels(reason="unreadable").inc()
        # The error's class only: a parser's message may quote the body.
        cause = f" ({type(error).__name__})" if error is not None else ""
        log.warning("webhook post is not an update: %s%s", why, cause)
        return Response(status_code=400)

    route = Route(webhook_path(telegram.webhook_url), receive, methods=["POST"])
    return Starlette(routes=[route, *(_health_routes(app) if health else [])])


def health_app(app: RetailDesk) -> Starlette:
    """Build the ASGI app of /healthz and /metrics, for their own listen address."""
    return Starlette(routes=_health_routes(app))


def _health_routes(app: RetailDesk) -> list[Route]:
    async def healthz(request: Request) -> Response:
        try:
            async with app.store.reading() as conn:
                await ping(conn)
        except (SQLAlchemyError, OSError) as error:
            return JSONResponse({"ok": False, "database": type(error).__name__}, status_code=503)
        return JSONResponse({"ok": True, "sender": app.seat.leading})

    async def metrics_page(request: Request) -> Response:
        return Response(await app.metrics.render(app.store), media_type=CONTENT_TYPE)

    return [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/metrics", metrics_page, methods=["GET"]),
    ]
