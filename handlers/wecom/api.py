"""Call the WeCom server API for one self-built app over an injected aiohttp session."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from json import loads
from typing import Any

import aiohttp

from desk.clock import Clock
from handlers.wecom.errcodes import TOKEN_ERRORS, Outcome, WecomApiError, failure
from handlers.wecom.tokens import TokenCache

DEFAULT_BASE_URL = "https://qyapi.weixin.qq.com/cgi-bin"

JSON = dict[str, Any]
Form = Callable[[], aiohttp.FormData]


@dataclass(frozen=True)
class AppSendResult:
    """What message/send accepted; members it could not reach are listed, not raised."""

    msgid: str
    invalid_users: tuple[str, ...]
    unlicensed_users: tuple[str, ...]


@dataclass(frozen=True)
class SyncPage:
    """One page of kf/sync_msg: the items as WeCom sent them and where to go on."""

    next_cursor: str
    has_more: bool
    items: tuple[JSON, ...]


@dataclass(frozen=True)
class ServiceState:
    """Who holds a kf session: 0 new, 1 the bot, 2 waiting, 3 a human, 4 ended."""

    state: int
    servicer_userid: str | None


@dataclass(frozen=True)
class UploadedMedia:
    """A temporary media file WeCom keeps for three days."""

    media_id: str
    kind: str
    created: datetime


@dataclass(frozen=True)
class Media:
    """A downloaded media file."""

    content: bytes
    content_type: str


@dataclass(frozen=True)
class OAuthUser:
    """Who an OAuth code belongs to: a member (userid) or someone outside the corp."""

    userid: str | None
    openid: str | None
    external_userid: str | None


def _users(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(user for user in value.split("|") if user)
    if isinstance(value, list):
        return tuple(str(user) for user in value)
    return ()


class WecomApi:
    """Call WeCom as one app; judge every answer by its errcode, never by HTTP status alone.

    The client does not retry a send itself: a network error after the request left may
    mean it arrived, so the caller retries with the same kf msgid (or with
    enable_duplicate_check on message/send) and WeCom keeps it single. The only repeat made
    here is the one call after a revoked or expired token, which WeCom refused unread.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        corp_id: str,
        secret: str,
        agent_id: int,
        clock: Clock,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = 10.0,
    ) -> None:
        self._session = session
        self._corp_id = corp_id
        self._secret = secret
        self._agent_id = agent_id
        self._base_url = base_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._tokens = TokenCache(self._fetch_token, clock)

    async def _exchange(
        self,
        method: str,
        path: str,
        params: Mapping[str, str],
        *,
        json: Mapping[str, Any] | None = None,
        form: Form | None = None,
    ) -> tuple[JSON | None, bytes, str]:
        """Send one request; return its JSON envelope (None for a file) and raw body."""
        try:
            async with self._session.request(
                method,
                f"{self._base_url}/{path}",
                params=params,
                json=json,
                data=None if form is None else form(),
                timeout=self._timeout,
            ) as response:
                body = await response.read()
                content_type = response.content_type
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as error:
            raise WecomApiError(path, None, type(error).__name__, Outcome.RETRY) from error
        if status >= 500:
            raise WecomApiError(path, None, f"HTTP {status}", Outcome.RETRY)
        if status != 200:
            raise WecomApiError(path, None, f"HTTP {status}", Outcome.FAIL)
        # A download answers with the file itself, and with a JSON envelope when it fails.
        looks_json = content_type == "text/plain" and body.lstrip()[:1] == b"{"
        if "json" not in content_type and not looks_json:
            return None, body, content_type
        try:
            envelope = loads(body)
        except ValueError as error:
            # A 200 that is not JSON comes from something between us and WeCom.
            raise WecomApiError(path, None, "answer is not JSON", Outcome.RETRY) from error
        if not isinstance(envelope, dict) or not isinstance(envelope.get("errcode", 0), int):
            raise WecomApiError(path, None, "answer has no errcode", Outcome.RETRY)
        return envelope, body, content_type

    async def _fetch_token(self) -> tuple[str, int]:
        params = {"corpid": self._corp_id, "corpsecret": self._secret}
        envelope, _, _ = await self._exchange("GET", "gettoken", params)
        answer = self._checked("gettoken", envelope)
        token, expires_in = answer.get("access_token"), answer.get("expires_in", 7200)
        if not isinstance(token, str) or not token or not isinstance(expires_in, int):
            raise WecomApiError("gettoken", 0, "answer lacks access_token", Outcome.RETRY)
        return token, expires_in

    @staticmethod
    def _checked(path: str, envelope: JSON | None) -> JSON:
        if envelope is None:
            raise WecomApiError(path, None, "a file where JSON was expected", Outcome.RETRY)
        errcode = int(envelope.get("errcode", 0))
        if errcode != 0:
            raise failure(path, errcode, str(envelope.get("errmsg", "")))
        return envelope

    async def _call_raw(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Mapping[str, Any] | None = None,
        form: Form | None = None,
    ) -> tuple[JSON | None, bytes, str]:
        token = await self._tokens.get()
        answer = await self._exchange(
            method, path, {**(params or {}), "access_token": token}, json=json, form=form
        )
        envelope = answer[0]
        if envelope is not None and envelope.get("errcode") in TOKEN_ERRORS:
            self._tokens.forget(token)
            token = await self._tokens.get()
            answer = await self._exchange(
                method, path, {**(params or {}), "access_token": token}, json=json, form=form
            )
        return answer

    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Mapping[str, Any] | None = None,
        form: Form | None = None,
    ) -> JSON:
        envelope, _, _ = await self._call_raw(method, path, params=params, json=json, form=form)
        return self._checked(path, envelope)

    async def access_token(self) -> str:
        """Return the cached access_token, fetching it once if it is missing or old."""
        return await self._tokens.get()

    async def send(
        self,
        touser: Sequence[str],
        msgtype: str,
        body: Mapping[str, Any],
        *,
        duplicate_check_interval: int | None = 1800,
    ) -> AppSendResult:
        """Send one app message (msgtype's body under its own key) to members."""
        request: JSON = {"touser": "|".join(touser), "msgtype": msgtype, "agentid": self._agent_id}
        request[msgtype] = dict(body)
        if duplicate_check_interval is not None:
            # A resend after a lost answer is then dropped by WeCom, not shown twice.
            request["enable_duplicate_check"] = 1
            request["duplicate_check_interval"] = duplicate_check_interval
        answer = await self._call("POST", "message/send", json=request)
        return AppSendResult(
            msgid=str(answer.get("msgid", "")),
            invalid_users=_users(answer.get("invaliduser")),
            unlicensed_users=_users(answer.get("unlicenseduser")),
        )

    async def send_text(self, touser: Sequence[str], content: str) -> AppSendResult:
        """Send a text to members through the app."""
        return await self.send(touser, "text", {"content": content})

    async def send_card(self, touser: Sequence[str], card: Mapping[str, Any]) -> AppSendResult:
        """Send a template card to members through the app."""
        return await self.send(touser, "template_card", card)

    async def kf_sync(
        self,
        open_kfid: str,
        *,
        cursor: str | None = None,
        token: str | None = None,
        limit: int = 1000,
        voice_format: int | None = None,
    ) -> SyncPage:
        """Pull the next page of kf messages after cursor (a callback's token lifts throttling)."""
        request: JSON = {"open_kfid": open_kfid, "limit": limit}
        if cursor:
            request["cursor"] = cursor
        if token:
            request["token"] = token
        if voice_format is not None:
            request["voice_format"] = voice_format  # 0 amr (the default), 1 silk
        answer = await self._call("POST", "kf/sync_msg", json=request)
        items = answer.get("msg_list") or []
        return SyncPage(
            next_cursor=str(answer.get("next_cursor", "")),
            has_more=bool(answer.get("has_more", 0)),
            items=tuple(item for item in items if isinstance(item, dict)),
        )

    async def kf_send(
        self, touser: str, open_kfid: str, msgid: str, msgtype: str, body: Mapping[str, Any]
    ) -> str:
        """Send a kf message under our own msgid, so a resend is refused rather than doubled."""
        request = {"touser": touser, "open_kfid": open_kfid, "msgid": msgid, "msgtype": msgtype}
        answer = await self._call("POST", "kf/send_msg", json={**request, msgtype: dict(body)})
        return str(answer.get("msgid", msgid))

    async def kf_send_text(self, touser: str, open_kfid: str, msgid: str, content: str) -> str:
        """Send a kf text to a customer inside their reply window."""
        return await self.kf_send(touser, open_kfid, msgid, "text", {"content": content})

    async def kf_send_on_event(
        self, code: str, msgtype: str, body: Mapping[str, Any], *, msgid: str | None = None
    ) -> str:
        """Answer an enter_session event once with its welcome_code."""
        request: JSON = {"code": code, "msgtype": msgtype, msgtype: dict(body)}
        if msgid is not None:
            request["msgid"] = msgid
        answer = await self._call("POST", "kf/send_msg_on_event", json=request)
        return str(answer.get("msgid", msgid or ""))

    async def kf_service_state(self, open_kfid: str, external_userid: str) -> ServiceState:
        """Tell who holds a customer's kf session now."""
        request = {"open_kfid": open_kfid, "external_userid": external_userid}
        answer = await self._call("POST", "kf/service_state/get", json=request)
        servicer = answer.get("servicer_userid")
        return ServiceState(int(answer.get("service_state", 0)), servicer or None)

    async def kf_add_contact_way(self, open_kfid: str, scene: str) -> str:
        """Return the kf account's link for a scene; a scene_param may be added to it."""
        request = {"open_kfid": open_kfid, "scene": scene}
        answer = await self._call("POST", "kf/add_contact_way", json=request)
        return str(answer["url"])

    async def upload_media(
        self, kind: str, filename: str, content: bytes, content_type: str
    ) -> UploadedMedia:
        """Upload a temporary image, voice, video or file and return its media_id."""

        def form() -> aiohttp.FormData:
            # A FormData is spent once sent; a resend after a token refresh needs a new one.
            fresh = aiohttp.FormData()
            fresh.add_field("media", content, filename=filename, content_type=content_type)
            return fresh

        answer = await self._call("POST", "media/upload", params={"type": kind}, form=form)
        created = datetime.fromtimestamp(int(answer.get("created_at", 0)), UTC)
        return UploadedMedia(str(answer["media_id"]), str(answer.get("type", kind)), created)

    async def get_media(self, media_id: str) -> Media:
        """Download a temporary media file (WeCom answers JSON instead when it cannot)."""
        envelope, body, content_type = await self._call_raw(
            "GET", "media/get", params={"media_id": media_id}
        )
        if envelope is not None:
            self._checked("media/get", envelope)
            raise WecomApiError("media/get", None, "JSON where a file was expected", Outcome.FAIL)
        return Media(body, content_type)

    async def user_from_code(self, code: str) -> OAuthUser:
        """Tell who an OAuth code from the app's web page belongs to."""
        answer = await self._call("GET", "auth/getuserinfo", params={"code": code})

        def field(name: str) -> str | None:
            value = answer.get(name)
            return str(value) if value else None

        return OAuthUser(field("userid"), field("openid"), field("external_userid"))


__all__ = [
    "DEFAULT_BASE_URL",
    "AppSendResult",
    "Media",
    "OAuthUser",
    "ServiceState",
    "SyncPage",
    "UploadedMedia",
    "WecomApi",
]
