"""WeChat as two channels of the desk: retailers on 微信客服 ("wechat"), staff in the app ("wecom").

Both reach WeCom through one API client, and WeCom calls both back at one URL; each has its
own inbox, courier and elected sender.
"""

from __future__ import annotations

import asyncio
import json
import logging
import mimetypes
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

import aiohttp
from pydantic import SecretStr
from starlette.routing import BaseRoute

from desk.content import Content, ContentKind
from desk.notices import Attachment
from desk.service import Desk
from handlers.channel import Courier, Tally
from handlers.console.links import ConsoleLink
from handlers.console.services import CodeRefused
from handlers.waiting import first_of
from handlers.wecom import update_ids
from handlers.wecom.api import WecomApi
from handlers.wecom.callback import Inboxes, callback_route
from handlers.wecom.courier import WechatCourier, WecomCourier
from handlers.wecom.crypto import CallbackCrypto
from handlers.wecom.errcodes import OAUTH_CODE_INVALID, RATE_LIMITED, Outcome, WecomApiError
from handlers.wecom.intake import Intake
from handlers.wecom.kf_sync import KfSync
from handlers.wecom.render import Renderer
from handlers.wecom.retailers import WECHAT, Retailers
from handlers.wecom.staff import WECOM, StaffDesk
from handlers.wecom.xmlmsg import XmlParseError, parse_message
from reports.staff_report import ReportMaker
from storage import trouble
from storage.inbox import Arrival, Inbox, Pending
from storage.kf import KfLog
from storage.staff_replies import StaffReplies
from storage.store import SqlStore

log = logging.getLogger(__name__)

# Without a callback's token kf/sync_msg is throttled hard: a sweep for a missed callback is rare.
SWEEP_EVERY = timedelta(minutes=30)


class WecomConfig(Protocol):
    """The [wecom] section, as the channels read it."""

    corp_id: str
    agent_id: int
    secret: SecretStr
    token: SecretStr
    encoding_aes_key: SecretStr
    open_kfid: str
    link_secret: SecretStr
    api_base_url: str


CourierMaker = Callable[[WecomApi], Courier]
"""Build a channel's courier on the shared API client."""


@dataclass(frozen=True)
class Couriers:
    """How the two channels deliver: to retailers through kf, to staff through the app."""

    wechat: CourierMaker
    wecom: CourierMaker


def real_couriers(config: WecomConfig, desk: Desk, store: SqlStore) -> Couriers:
    """Return the couriers that send through WeCom: kf to retailers, the app to staff."""
    renderer = Renderer(desk.ctx.timezone)
    clock = desk.ctx.clock
    return Couriers(
        lambda api: WechatCourier(api, config.open_kfid, store, clock, renderer),
        lambda api: WecomCourier(api, config.agent_id, store, clock, renderer),
    )


async def fetch_media(api: WecomApi, content: Content) -> Attachment | None:
    """Download a message's media by its media_id, for a channel that cannot send it by id."""
    if content.file is None:
        return None
    media = await api.get_media(content.file)
    extension = mimetypes.guess_extension(media.content_type.split(";")[0].strip()) or ""
    name = f"{content.kind.value}{extension}"
    return Attachment(name, media.content, as_photo=content.kind is ContentKind.PHOTO)


def passing(error: BaseException) -> bool:
    """Say whether an error is passing trouble: the database or WeCom out of reach, or busy."""
    if trouble.passing(error):
        return True
    if isinstance(error, WecomApiError):
        return error.outcome is Outcome.RETRY
    return isinstance(error, aiohttp.ClientError | TimeoutError)


class _Shared:
    """The API client's HTTP session, closed when the last channel using it closes."""

    def __init__(self, config: WecomConfig, desk: Desk) -> None:
        self.session = aiohttp.ClientSession()
        self.api = WecomApi(
            self.session,
            corp_id=config.corp_id,
            secret=config.secret.get_secret_value(),
            agent_id=config.agent_id,
            clock=desk.ctx.clock,
            base_url=config.api_base_url,
        )
        self.users = 2

    async def release(self) -> None:
        self.users -= 1
        if self.users == 0 and not self.session.closed:
            await self.session.close()


class _CalledBack:
    """What both WeChat channels share: updates come by callback, media is fetched by id."""

    shared: _Shared
    intake: Intake

    def passing(self, error: BaseException) -> bool:
        """Say whether an error is passing trouble: the database or WeCom out of reach."""
        return passing(error)

    async def open(self, *, polling: bool) -> None:
        """Take nothing: WeCom calls back, and any worker may take a callback."""

    async def close(self) -> None:
        """Let the shared API client go."""
        await self.shared.release()

    async def poll(self, stop: asyncio.Event) -> None:
        """Wait for the stop: updates come by callback."""
        await stop.wait()

    async def handle(self, stop: asyncio.Event) -> None:
        """Run the stored updates through the desk until stopped."""
        await self.intake.run(stop)

    async def fetch(self, content: Content) -> Attachment | None:
        """Download what someone sent on this channel, by its media_id."""
        return await fetch_media(self.shared.api, content)


class WechatChannel(_CalledBack):
    """Retailers writing to the kf account: callbacks trigger syncs, synced items reach the desk."""

    name = WECHAT

    def __init__(
        self, config: WecomConfig, desk: Desk, store: SqlStore, shared: _Shared, courier: Courier
    ) -> None:
        self.config = config
        self.desk = desk
        self.shared = shared
        self.courier = courier
        self.sender_key = config.open_kfid
        self.inbox = Inbox(store, WECHAT)
        self.kf_log = KfLog(store, WECHAT)
        self.sync = KfSync(shared.api, self.kf_log, config.open_kfid, desk.ctx.clock)
        self.retailers = Retailers(
            desk, shared.api, self.kf_log, config.link_secret.get_secret_value()
        )
        self.intake = Intake(self.inbox, self._handle, passing)
        self.sweep_every = SWEEP_EVERY

    async def _handle(self, entry: Pending) -> bool:
        payload = json.loads(entry.payload)
        if payload.get("kind") == "kf_notice":
            if payload.get("open_kfid") != self.config.open_kfid:
                log.warning("kf notice for another account; ignored")
                return False
            token = payload.get("token") or None
            try:
                # The notice is settled with the last page: both or neither.
                await self.sync.run(token, done=[entry.id])
            except WecomApiError as error:
                if token is not None or error.errcode != RATE_LIMITED:
                    raise
                # A sweep WeCom throttles is dropped, not retried: it must not hold up the
                # callbacks' syncs queued behind it, and the next one comes anyway.
                log.info("kf sweep throttled; skipped")
                return False
            self.intake.wake()
            return True
        item = payload.get("item")
        if isinstance(item, dict):
            await self.retailers.take(item, entry.update_id)
        return False

    def routes(self, tally: Tally) -> Sequence[BaseRoute]:
        """Return no routes: the staff channel serves the one callback URL for both."""
        return []

    async def lead(self, stop: asyncio.Event) -> None:
        """Sync now and then without a token, in case a callback never came."""
        while not stop.is_set():
            await self.sweep()
            await first_of(stop, within=self.sweep_every.total_seconds())

    async def sweep(self) -> None:
        """Queue a sync without a token, taken in turn with the callbacks' syncs."""
        now = self.desk.ctx.clock.now()
        payload = {"kind": "kf_notice", "token": "", "open_kfid": self.config.open_kfid}
        bucket = str(int(now.timestamp() // self.sweep_every.total_seconds()))
        update_id = update_ids.event("sweep", 0, "kf_msg_or_event", self.config.open_kfid, bucket)
        arrival = Arrival(update_id, f"kf:{self.config.open_kfid}", json.dumps(payload))
        try:
            await self.inbox.keep([arrival], now)
        except Exception as error:
            if not passing(error):
                raise
            log.warning("kf sweep not queued: %s", type(error).__name__)
        self.intake.wake()


class WecomChannel(_CalledBack):
    """Staff in the self-built app: their messages and card presses reach the desk."""

    name = WECOM

    def __init__(
        self,
        config: WecomConfig,
        desk: Desk,
        store: SqlStore,
        shared: _Shared,
        courier: Courier,
        wechat: WechatChannel,
        reports: ReportMaker | None = None,
        console: ConsoleLink | None = None,
    ) -> None:
        self.config = config
        self.desk = desk
        self.shared = shared
        self.courier = courier
        self.sender_key = f"{config.corp_id}:{config.agent_id}"
        self.inbox = Inbox(store, WECOM)
        self.crypto = CallbackCrypto(
            config.token.get_secret_value(),
            config.encoding_aes_key.get_secret_value(),
            config.corp_id,
        )
        self.staff = StaffDesk(desk, StaffReplies(store), reports, console, direct=self._send_now)
        self.intake = Intake(self.inbox, self._handle, passing)
        self.wechat = wechat

    async def member(self, code: str) -> str | CodeRefused | None:
        """Return the corp member an OAuth code names; None for an outsider; why for no answer."""
        try:
            user = await self.shared.api.user_from_code(code)
        except WecomApiError as error:
            log.info("WeCom OAuth code refused: errcode %s", error.errcode)
            if error.errcode == OAUTH_CODE_INVALID:
                return CodeRefused.EXPIRED
            return CodeRefused.FAILED
        # Someone outside the corp has an openid or external_userid and no userid.
        return user.userid

    async def _send_now(self, userid: str, text: str) -> None:
        """Send a member one text at once, as the app, past the outbox."""
        await self.shared.api.send_text([userid], text)

    async def _handle(self, entry: Pending) -> bool:
        payload = json.loads(entry.payload)
        try:
            message = parse_message(str(payload.get("xml", "")))
        except XmlParseError:
            log.warning("app update %s unreadable; set aside", entry.update_id)
            await self.inbox.failed(entry, "unreadable", final=True)
            return True
        await self.staff.take(message, entry.update_id)
        return False

    def routes(self, tally: Tally) -> Sequence[BaseRoute]:
        """Return the callback route WeCom posts both the app's and the kf account's events to."""
        inboxes = Inboxes(self.wechat.inbox, self.inbox, self.wechat.intake.wake, self.intake.wake)
        return [callback_route(self.crypto, inboxes, self.desk.ctx.clock, tally)]

    async def lead(self, stop: asyncio.Event) -> None:
        """Do nothing beyond sending."""


def wecom_channels(
    config: WecomConfig,
    desk: Desk,
    store: SqlStore,
    couriers: Couriers | None = None,
    reports: ReportMaker | None = None,
    console: ConsoleLink | None = None,
) -> tuple[WechatChannel, WecomChannel]:
    """Build the retailers' and the staff's channels on one API client."""
    couriers = couriers or real_couriers(config, desk, store)
    shared = _Shared(config, desk)
    wechat = WechatChannel(config, desk, store, shared, couriers.wechat(shared.api))
    courier = couriers.wecom(shared.api)
    wecom = WecomChannel(config, desk, store, shared, courier, wechat, reports, console)
    return wechat, wecom
