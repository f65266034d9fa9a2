"""Serve a WeCom API stand-in on loopback and play customers and members writing to it."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import re
import secrets
from collections.abc import Awaitable, Callable, Iterable
from datetime import timedelta
from types import TracebackType
from typing import TypeVar

import aiohttp
from aiohttp import web
from yarl import URL

from desk.clock import Clock
from handlers.wecom.crypto import CallbackCrypto
from handlers.wecom.standin import inner
from handlers.wecom.standin.answers import JSON, Call, RefusedError, failure, ok
from handlers.wecom.standin.corp import AppMessages, MediaStore, OAuthCodes, Tokens
from handlers.wecom.standin.driver import CallbackDriver, Delivery
from handlers.wecom.standin.kf import Kf

T = TypeVar("T")
# open.weixin.qq.com's OAuth page, served beside the API.
AUTHORIZE_PATH = "/connect/oauth2/authorize"
Action = Callable[[web.Request, dict[str, str]], Awaitable[JSON | web.Response]]


async def _json(request: web.Request) -> JSON:
    try:
        body = await request.json()
    except ValueError as error:
        raise RefusedError(47001) from error
    if not isinstance(body, dict):
        raise RefusedError(47001)
    return body


class WecomStandin:
    """A faithful offline WeCom: the API on 127.0.0.1 and the callbacks it would send."""

    def __init__(
        self,
        clock: Clock,
        *,
        corp_id: str = "wwstandin00000001",
        secret: str = "standin-secret",
        agent_id: int = 1000002,
        callback_token: str = "standintoken",
        encoding_aes_key: str | None = None,
        open_kfids: Iterable[str] = ("wkStandinKf",),
        members: Iterable[str] = (),
        tokenless_gap: timedelta = timedelta(minutes=1),
    ) -> None:
        self.clock = clock
        self.corp_id = corp_id
        self.secret = secret
        self.agent_id = agent_id
        self.callback_token = callback_token
        self.encoding_aes_key = encoding_aes_key or base64.b64encode(
            secrets.token_bytes(32)
        ).decode().rstrip("=")
        self.open_kfids = tuple(open_kfids)
        self.tokens = Tokens(clock, corp_id=corp_id, secret=secret)
        self.app = AppMessages(clock, agent_id=agent_id, members=set(members))
        self.kf = Kf(clock, open_kfids=set(self.open_kfids), tokenless_gap=tokenless_gap)
        self.media = MediaStore(clock)
        self.oauth = OAuthCodes(clock)
        # Who the phone opening the OAuth page belongs to (WeCom knows; a test says).
        self._opener: dict[str, str | None] = {}
        self.calls: list[Call] = []
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._driver: CallbackDriver | None = None
        self._msg_ids = 7_000_000_000_000_000_000
        self._base_url = ""
        # Set after every API call, so a waiter re-checks only when something may have changed.
        self._changed = asyncio.Event()

    @property
    def authorize_url(self) -> str:
        """Return the OAuth page's URL, as open.weixin.qq.com's in [console] wecom_authorize_url."""
        return self.base_url.removesuffix("/cgi-bin") + AUTHORIZE_PATH

    def opens_as(self, *, userid: str | None = None, external_userid: str | None = None) -> None:
        """Say who opens the OAuth page next: a member, someone outside the corp, or nobody."""
        self._opener = {"userid": userid, "external_userid": external_userid}

    @property
    def base_url(self) -> str:
        """Return the URL to give the client as api_base_url (…/cgi-bin)."""
        if not self._base_url:
            raise RuntimeError("the stand-in is not started")
        return self._base_url

    def crypto(self) -> CallbackCrypto:
        """Return the callback crypto a server under test should use with this corp."""
        return CallbackCrypto(self.callback_token, self.encoding_aes_key, self.corp_id)

    async def start(self) -> str:
        """Listen on 127.0.0.1 on a free port and return the base URL."""
        app = web.Application()
        routes = {
            ("GET", "gettoken"): self._gettoken,
            ("POST", "message/send"): self._with_json(self.app.send),
            ("POST", "kf/sync_msg"): self._with_json(self.kf.sync),
            ("POST", "kf/send_msg"): self._with_json(self.kf.send),
            ("POST", "kf/send_msg_on_event"): self._with_json(self.kf.send_on_event),
            ("POST", "kf/service_state/get"): self._with_json(self.kf.service_state),
            ("POST", "kf/add_contact_way"): self._with_json(self.kf.add_contact_way),
            ("POST", "media/upload"): self._upload,
            ("GET", "media/get"): self._download,
            ("GET", "auth/getuserinfo"): self._getuserinfo,
        }
        for (method, path), action in routes.items():
            app.router.add_route(method, f"/cgi-bin/{path}", self._handler(path, action))
        app.router.add_get(AUTHORIZE_PATH, self._authorize)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self._base_url = f"http://{host}:{port}/cgi-bin"
        self._session = aiohttp.ClientSession()
        return self._base_url

    async def stop(self) -> None:
        """Stop listening and close the callback session."""
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> WecomStandin:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    async def wait_for(
        self,
        predicate: Callable[[], T | None],
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> T:
        """Re-check predicate after every API call until it returns something truthy."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            self._changed.clear()
            value = predicate()
            if value:
                return value
            left = deadline - loop.time()
            if left <= 0:
                raise TimeoutError(f"nothing of the kind within {timeout:.0f}s")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), left)

    def calls_to(self, path: str) -> list[Call]:
        """Return the calls made to one path, oldest first."""
        return [call for call in self.calls if call.path == path]

    def _handler(
        self, path: str, action: Action
    ) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def handle(request: web.Request) -> web.StreamResponse:
            query = dict(request.query)
            shown = {k: v for k, v in query.items() if k != "corpsecret"}
            record: JSON | None = None
            try:
                if path != "gettoken":
                    self.tokens.check(query.get("access_token"))
                answer = await action(request, query)
            except RefusedError as refusal:
                answer = failure(refusal)
            if isinstance(answer, web.Response):
                self.calls.append(Call(self.clock.now(), path, shown, None, 0))
                self._changed.set()
                return answer
            if request.body_exists and request.content_type == "application/json":
                with contextlib.suppress(ValueError):
                    record = await request.json()
            errcode = int(answer["errcode"])
            self.calls.append(Call(self.clock.now(), path, shown, record, errcode))
            self._changed.set()
            # WeCom answers every outcome, failures included, with HTTP 200.
            return web.json_response(answer)

        return handle

    @staticmethod
    def _with_json(logic: Callable[[JSON], JSON]) -> Action:
        async def action(request: web.Request, query: dict[str, str]) -> JSON:
            return logic(await _json(request))

        return action

    async def _gettoken(self, request: web.Request, query: dict[str, str]) -> JSON:
        return self.tokens.issue(query.get("corpid", ""), query.get("corpsecret", ""))

    async def _upload(self, request: web.Request, query: dict[str, str]) -> JSON:
        try:
            form = await request.post()
        except ValueError as error:
            raise RefusedError(47001) from error
        part = form.get("media")
        if not isinstance(part, web.FileField):
            raise RefusedError(47001, "no media part")
        stored = self.media.put(
            query.get("type", ""), part.file.read(), part.content_type, part.filename
        )
        return ok(
            type=stored.kind,
            media_id=stored.media_id,
            created_at=str(int(stored.created.timestamp())),
        )

    async def _download(self, request: web.Request, query: dict[str, str]) -> web.Response:
        # A refusal here becomes a JSON answer, as WeCom sends instead of the file.
        stored = self.media.get(query.get("media_id", ""))
        disposition = f'attachment; filename="{stored.filename}"'
        return web.Response(
            body=stored.content,
            content_type=stored.content_type,
            headers={"Content-Disposition": disposition},
        )

    async def _getuserinfo(self, request: web.Request, query: dict[str, str]) -> JSON:
        return self.oauth.redeem(query.get("code", ""))

    async def _authorize(self, request: web.Request) -> web.Response:
        """Send the browser back to redirect_uri with a fresh code, as WeCom's OAuth page does."""
        query = request.query
        wrong = [
            name
            for name, expected in (
                ("appid", self.corp_id),
                ("response_type", "code"),
                ("scope", "snsapi_base"),
                ("agentid", str(self.agent_id)),
            )
            if query.get(name) != expected
        ]
        state = query.get("state", "")
        if not re.fullmatch(r"[A-Za-z0-9]{0,128}", state):
            wrong.append("state")
        if wrong or not query.get("redirect_uri") or not self._opener:
            # WeCom shows an error page and sends nobody back.
            return web.Response(status=400, text=f"bad OAuth request: {', '.join(wrong)}")
        code = self.oauth.issue(**self._opener)
        self.calls.append(Call(self.clock.now(), "oauth2/authorize", dict(query), None, 0))
        back = URL(query["redirect_uri"]).update_query(code=code, state=state)
        raise web.HTTPFound(str(back))

    # Playing the people on the other side -------------------------------------------------

    def point_callbacks_at(
        self,
        url: str,
        *,
        tries: int = 3,
        slow_after: timedelta = timedelta(seconds=5),
        timeout: float = 5.0,
    ) -> CallbackDriver:
        """Send this corp's callbacks to url from now on, and return the driver doing it."""
        if self._session is None:
            raise RuntimeError("start the stand-in before pointing its callbacks")
        self._driver = CallbackDriver(
            self._session,
            url,
            self.crypto(),
            self.clock,
            corp_id=self.corp_id,
            agent_id=self.agent_id,
            tries=tries,
            slow_after=slow_after,
            timeout=timeout,
        )
        return self._driver

    @property
    def callbacks(self) -> CallbackDriver:
        """Return the driver posting this corp's callbacks (after point_callbacks_at)."""
        if self._driver is None:
            raise RuntimeError("point_callbacks_at a URL first")
        return self._driver

    def _kfid(self, open_kfid: str | None) -> str:
        return open_kfid or self.open_kfids[0]

    async def _notify(self, open_kfid: str, copies: int) -> Delivery:
        token = self.kf.sync_token(open_kfid)
        xml = inner.kf_notice(self.corp_id, self.clock.now(), token, open_kfid)
        return await self.callbacks.post(xml, copies=copies)

    async def retailer_sends(
        self,
        external_userid: str,
        msgtype: str,
        body: JSON,
        *,
        open_kfid: str | None = None,
        notify: bool = True,
        copies: int = 1,
    ) -> Delivery | None:
        """Play a customer sending anything to kf: log it and, unless told not to, call back."""
        kfid = self._kfid(open_kfid)
        self.kf.customer_writes(kfid, external_userid, msgtype, body)
        return await self._notify(kfid, copies) if notify else None

    async def retailer_writes(
        self,
        external_userid: str,
        text: str,
        *,
        open_kfid: str | None = None,
        notify: bool = True,
        copies: int = 1,
    ) -> Delivery | None:
        """Play a customer writing a text to kf."""
        return await self.retailer_sends(
            external_userid,
            "text",
            {"content": text},
            open_kfid=open_kfid,
            notify=notify,
            copies=copies,
        )

    async def retailer_sends_media(
        self,
        external_userid: str,
        kind: str,
        content: bytes,
        content_type: str,
        *,
        open_kfid: str | None = None,
    ) -> tuple[str, Delivery | None]:
        """Play a customer sending a photo, voice note or file; return its media_id too."""
        stored = self.media.put(kind, content, content_type, f"from-customer.{kind}")
        body = {"media_id": stored.media_id}
        return stored.media_id, await self.retailer_sends(
            external_userid, kind, body, open_kfid=open_kfid
        )

    async def retailer_enters(
        self, external_userid: str, scene_param: str, *, open_kfid: str | None = None
    ) -> tuple[str, Delivery]:
        """Play a customer opening a kf link; return the welcome_code and the callback."""
        kfid = self._kfid(open_kfid)
        code = self.kf.customer_enters(kfid, external_userid, scene_param)
        return code, await self._notify(kfid, 1)

    async def delivery_fails(
        self, external_userid: str, msgid: str, *, open_kfid: str | None = None
    ) -> Delivery:
        """Report a kf message as undelivered with a msg_send_fail event."""
        kfid = self._kfid(open_kfid)
        event = {
            "event_type": "msg_send_fail",
            "external_userid": external_userid,
            "fail_msgid": msgid,
            "fail_type": 4,
        }
        self.kf.log_event(kfid, event)
        return await self._notify(kfid, 1)

    def _next_msg_id(self) -> int:
        self._msg_ids += 1
        return self._msg_ids

    async def staff_writes(self, userid: str, text: str, *, copies: int = 1) -> Delivery:
        """Play a member writing a text to the app."""
        xml = inner.app_text(
            self.corp_id, userid, self.clock.now(), self._next_msg_id(), self.agent_id, text
        )
        return await self.callbacks.post(xml, copies=copies)

    async def staff_sends_image(
        self, userid: str, content: bytes, *, content_type: str = "image/jpeg"
    ) -> tuple[str, Delivery]:
        """Play a member sending a photo to the app; return its media_id and the callback."""
        stored = self.media.put("image", content, content_type, "photo.jpg")
        xml = inner.app_image(
            self.corp_id,
            userid,
            self.clock.now(),
            self._next_msg_id(),
            self.agent_id,
            stored.media_id,
        )
        return stored.media_id, await self.callbacks.post(xml)

    async def staff_presses(self, userid: str, event_key: str, task_id: str) -> Delivery:
        """Play a member pressing a button on a template card."""
        xml = inner.card_press(
            self.corp_id, userid, self.clock.now(), self.agent_id, event_key, task_id
        )
        return await self.callbacks.post(xml)
