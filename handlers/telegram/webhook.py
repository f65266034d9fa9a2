"""The webhook endpoint: check the secret, store the update, only then answer."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Callable
from urllib.parse import urlsplit

from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from desk.clock import Clock
from handlers.channel import Tally
from handlers.telegram.poller import chat_of, update_id_of
from storage.inbox import Arrival, Inbox

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


def webhook_route(
    path: str,
    secret: str | None,
    inbox: Inbox,
    clock: Clock,
    wake: Callable[[], None],
    tally: Tally,
    *,
    body_seconds: float = BODY_SECONDS,
) -> Route:
    """Build the route that takes Telegram's posts at `path`."""
    expected = secret.encode() if secret is not None else None

    async def receive(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        # Constant time, so the secret cannot be guessed a character at a time.
        if expected is not None and not hmac.compare_digest(given, expected):
            tally.rejected("secret")
            return Response(status_code=403)
        try:
            body = await _body(request, body_seconds)
        except _TooLargeError:
            tally.rejected("too_large")
            return Response(status_code=413)
        except TimeoutError:
            tally.rejected("slow")
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
            tally.rejected("storage")
            log.error("could not store update %s: %s", update_id, error)
            return Response(status_code=500)
        tally.received()
        wake()
        return Response(status_code=200)

    def _refused(why: str, error: BaseException | None) -> Response:
        tally.rejected("unreadable")
        # The error's class only: a parser's message may quote the body.
        cause = f" ({type(error).__name__})" if error is not None else ""
        log.warning("webhook post is not an update: %s%s", why, cause)
        return Response(status_code=400)

    return Route(path, receive, methods=["POST"])
