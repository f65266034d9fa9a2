"""The callback endpoint: check WeCom's signature, store what it carries, only then answer."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from desk.clock import Clock
from handlers.channel import Tally
from handlers.wecom import update_ids
from handlers.wecom.crypto import CallbackCrypto, CallbackError
from handlers.wecom.xmlmsg import (
    AppMessage,
    CardPress,
    KfNotice,
    UnknownShapeError,
    XmlParseError,
    parse_envelope,
    parse_message,
)
from storage.inbox import Arrival, Inbox

log = logging.getLogger(__name__)

PATH = "/wecom/callback"
# A callback is one small encrypted XML document; a member's longest text is 2048 bytes.
MAX_BODY_BYTES = 64 * 1024
BODY_SECONDS = 4.0


@dataclass(frozen=True)
class Inboxes:
    """Where callbacks go: kf notices to the retailers' channel, the app's to the staff's."""

    kf: Inbox
    app: Inbox
    wake_kf: Callable[[], None]
    wake_app: Callable[[], None]


def kf_notice_arrival(notice: KfNotice) -> Arrival:
    """Return the inbox row of a kf notice: a sync to run with its token, once per callback."""
    created = int(notice.created.timestamp())
    update_id = update_ids.event(notice.to_user, created, "kf_msg_or_event", notice.token)
    payload = {"kind": "kf_notice", "token": notice.token, "open_kfid": notice.open_kfid}
    # One chat per kf account: its syncs are then taken one at a time, in order.
    return Arrival(update_id, f"kf:{notice.open_kfid}", json.dumps(payload))


def _app_arrival(message: AppMessage | CardPress, xml: str) -> Arrival:
    if isinstance(message, CardPress):
        created = int(message.created.timestamp())
        update_id = update_ids.event(
            message.from_user, created, "template_card_event", message.event_key
        )
    else:
        update_id = update_ids.app_message(message.msg_id)
    payload = {"kind": "app", "xml": xml}
    return Arrival(update_id, message.from_user, json.dumps(payload, ensure_ascii=False))


async def _body(request: Request) -> bytes | None:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return None
    chunks, size = [], 0
    async with asyncio.timeout(BODY_SECONDS):
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                return None
            chunks.append(chunk)
    return b"".join(chunks)


def callback_route(crypto: CallbackCrypto, inboxes: Inboxes, clock: Clock, tally: Tally) -> Route:
    """Build the route WeCom calls for the app's messages and the kf account's events."""

    async def verify_url(request: Request) -> Response:
        query = request.query_params
        try:
            plain = crypto.verify_url(
                query.get("msg_signature", ""),
                query.get("timestamp", ""),
                query.get("nonce", ""),
                query.get("echostr", ""),
            )
        except CallbackError as error:
            tally.rejected("signature")
            log.warning("URL check refused: %s", type(error).__name__)
            return Response(status_code=403)
        # The bare plaintext: WeCom refuses quotes, a BOM or a newline around it.
        return PlainTextResponse(plain)

    async def receive(request: Request) -> Response:
        query = request.query_params
        try:
            body = await _body(request)
        except TimeoutError:
            tally.rejected("slow")
            return Response(status_code=408)
        if body is None:
            tally.rejected("too_large")
            return Response(status_code=413)
        try:
            envelope = parse_envelope(body)
            xml = crypto.open(
                query.get("msg_signature", ""),
                query.get("timestamp", ""),
                query.get("nonce", ""),
                envelope.encrypt,
            )
        except (CallbackError, XmlParseError) as error:
            # Nothing of it is read, stored or answered beyond the refusal.
            tally.rejected("signature")
            log.warning("callback refused: %s", type(error).__name__)
            return Response(status_code=403)
        try:
            message = parse_message(xml)
        except UnknownShapeError:
            # Signed by WeCom but nothing the desk acts on (a member opened the app, say).
            return Response(status_code=200)
        except XmlParseError as error:
            tally.rejected("unreadable")
            log.warning("callback unreadable: %s", type(error).__name__)
            return Response(status_code=400)
        if isinstance(message, KfNotice):
            inbox, wake, arrival = inboxes.kf, inboxes.wake_kf, kf_notice_arrival(message)
        else:
            inbox, wake = inboxes.app, inboxes.wake_app
            arrival = _app_arrival(message, xml.decode())
        try:
            await inbox.keep([arrival], clock.now())
        except (SQLAlchemyError, OSError) as error:
            # Not stored, so not confirmed: WeCom posts it again.
            tally.rejected("storage")
            log.error("could not store callback %s: %s", arrival.update_id, type(error).__name__)
            return Response(status_code=500)
        tally.received()
        wake()
        # An empty 200 stops WeCom's retries; a passive reply is never needed.
        return Response(status_code=200)

    async def endpoint(request: Request) -> Response:
        if request.method == "GET":
            return await verify_url(request)
        return await receive(request)

    return Route(PATH, endpoint, methods=["GET", "POST"])
