"""Deliver notices to retailers on 微信客服 and to staff in the WeCom app, classifying outcomes."""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta

from desk.clock import Clock
from desk.notices import Notice
from handlers.channel import Delivery
from handlers.wecom.api import WecomApi
from handlers.wecom.errcodes import SESSION_TAKEN, Outcome, WecomApiError
from handlers.wecom.pacing import Pacing
from handlers.wecom.render import Card, Media, Menu, Part, Renderer, Text, Upload
from handlers.wecom.window import PER_WINDOW, Verdict, verdict
from storage.kf_windows import KfWindows, WindowRow
from storage.store import SqlStore

log = logging.getLogger(__name__)

# A held row waits for the retailer's next message, which releases it at once; until then it
# is looked at again now and then (a session a person held may have ended meanwhile).
HELD_FOR = timedelta(hours=6)
CONTENT_TYPES = {"image": "image/png", "file": "application/octet-stream"}


def _named(error: Exception) -> str:
    """Name an error for logs and status without its message, which may quote a parameter."""
    return (
        f"{type(error).__name__} {error}" if isinstance(error, KeyError) else type(error).__name__
    )


def _refused(error: WecomApiError) -> Delivery:
    """Classify a WeCom error that is not the reply window's."""
    if error.outcome is Outcome.RETRY:
        return Delivery("retry", error=str(error))
    return Delivery("failed", error=str(error))


def _already_sent(error: WecomApiError) -> bool:
    """Tell whether kf refused our msgid as used: an earlier try of this row went out."""
    # Not confirmed against WeCom which errcode this is (WECOM.md); the stand-in says so in
    # its errmsg, and a msgid of ours is never reused for another message.
    text = error.errmsg.lower()
    return error.path == "kf/send_msg" and "msgid" in text and "dup" in text


async def _uploaded(api: WecomApi, part: Upload) -> str:
    attachment = part.attachment
    kind = CONTENT_TYPES.get(part.msgtype, "application/octet-stream")
    media = await api.upload_media(part.msgtype, attachment.filename, attachment.data, kind)
    return media.media_id


class WechatCourier:
    """Send notices to retailers through 微信客服, spending their reply window with care."""

    channel = "wechat"

    def __init__(
        self, api: WecomApi, open_kfid: str, store: SqlStore, clock: Clock, renderer: Renderer
    ) -> None:
        self.api = api
        self.open_kfid = open_kfid
        self.windows = KfWindows(store)
        self.clock = clock
        self.renderer = renderer

    async def deliver(self, notice: Notice, *, repeat: bool = False) -> Delivery:
        """Send a notice outside the outbox, under a msgid of its own."""
        return await self._deliver(f"rx{secrets.token_hex(8)}", notice, repeat)

    async def deliver_row(self, row: int, notice: Notice, *, repeat: bool = False) -> Delivery:
        """Send outbox row `row` under msgid rd<row>, so that a retry cannot send it twice."""
        return await self._deliver(f"rd{row}", notice, repeat)

    async def _deliver(self, msgid: str, notice: Notice, repeat: bool) -> Delivery:
        # No "(repeat)" mark: the msgid makes WeCom refuse a second copy, so none is ever seen.
        try:
            parts = self.renderer.for_retailer(notice)
        except Exception as error:
            return Delivery("failed", error=f"cannot render: {_named(error)}")
        customer = notice.address.chat
        now = self.clock.now()
        decided: list[Verdict] = []

        def take(window: WindowRow) -> int:
            decided.append(verdict(window, now, notice.kind, len(parts)))
            return len(parts) if decided[-1] is Verdict.SEND else 0

        # Counted before sending, in one transaction: two sends cannot both take the last one.
        await self.windows.spend(customer, take)
        if decided[-1] is Verdict.SKIP:
            return Delivery("skipped", error="an extra, and the reply window has no room for it")
        if decided[-1] is Verdict.HOLD:
            return self._held("reply window closed or spent")
        earlier = 0
        for index, part in enumerate(parts):
            try:
                await self._send(customer, msgid if index == 0 else f"{msgid}-{index}", part)
            except WecomApiError as error:
                if _already_sent(error):
                    earlier += 1  # counted when it went out
                    continue
                return await self._after_refusal(customer, now, len(parts) - index, error)
        if earlier:
            await self.windows.give_back(customer, earlier, now)
        log.info("kf message %s sent to %s", msgid, customer)
        return Delivery("sent", msgid)

    async def _after_refusal(
        self, customer: str, now: datetime, unsent: int, error: WecomApiError
    ) -> Delivery:
        if error.outcome is Outcome.PARK:
            # WeCom knows better than our count: the window is spent until the customer writes.
            await self.windows.use_up(customer, PER_WINDOW, now)
            return self._held(str(error), taken=error.errcode == SESSION_TAKEN)
        # Refused unsent (or perhaps lost on the way, which the next try's msgid settles).
        await self.windows.give_back(customer, unsent, now)
        return _refused(error)

    @staticmethod
    def _held(why: str, *, taken: bool = False) -> Delivery:
        return Delivery(
            "retry",
            error=f"held for the retailer's next message: {why}",
            retry_after=HELD_FOR.total_seconds(),
            held=True,
            taken=taken,
        )

    async def _send(self, customer: str, msgid: str, part: Part) -> None:
        api, kfid = self.api, self.open_kfid
        if isinstance(part, Text):
            await api.kf_send_text(customer, kfid, msgid, part.content)
        elif isinstance(part, Menu):
            menu = [{"type": "click", "click": {"id": i, "content": c}} for i, c in part.choices]
            body = {"head_content": part.head, "list": menu}
            await api.kf_send(customer, kfid, msgid, "msgmenu", body)
        elif isinstance(part, Media):
            await api.kf_send(customer, kfid, msgid, part.msgtype, {"media_id": part.media_id})
        elif isinstance(part, Upload):
            media_id = await _uploaded(api, part)
            await api.kf_send(customer, kfid, msgid, part.msgtype, {"media_id": media_id})
        else:  # a card is for staff; a retailer gets its text
            await api.kf_send_text(customer, kfid, msgid, f"{part.title}\n{part.text}")


class WecomCourier:
    """Send notices to staff through the WeCom app: texts, cards with buttons, and files."""

    channel = "wecom"

    def __init__(
        self,
        api: WecomApi,
        agent_id: int,
        store: SqlStore,
        clock: Clock,
        renderer: Renderer,
        pacing: Pacing | None = None,
    ) -> None:
        self.api = api
        self.agent_id = agent_id
        self.store = store
        self.clock = clock
        self.renderer = renderer
        # One elected sender per app sends all its messages, so counting here is enough.
        self.pacing = pacing or Pacing()

    async def deliver(self, notice: Notice, *, repeat: bool = False) -> Delivery:
        """Send a notice outside the outbox; its cards get task ids of their own."""
        return await self._deliver(f"rx{secrets.token_hex(8)}", notice, repeat)

    async def deliver_row(self, row: int, notice: Notice, *, repeat: bool = False) -> Delivery:
        """Send outbox row `row`; its card's task_id is rd<row>."""
        return await self._deliver(f"rd{row}", notice, repeat)

    async def _deliver(self, task_id: str, notice: Notice, repeat: bool) -> Delivery:
        # No "(repeat)" mark: WeCom's duplicate check drops an identical resend, and a marked
        # one would differ and show twice.
        try:
            parts = self.renderer.for_staff(notice)
        except Exception as error:
            return Delivery("failed", error=f"cannot render: {_named(error)}")
        member = notice.address.chat
        wait = self.pacing.wait(member, self.clock.now(), len(parts))
        if wait > 0:
            return Delivery("retry", error="pacing: WeCom drops more", retry_after=wait)
        message_id = ""
        for part in parts:
            try:
                message_id = await self._send(member, task_id, part)
            except WecomApiError as error:
                return _refused(error)
            self.pacing.sent(member, self.clock.now())
        log.info("app message %s sent to %s", task_id, member)
        return Delivery("sent", message_id or task_id)

    async def _send(self, member: str, task_id: str, part: Part) -> str:
        api = self.api
        if isinstance(part, Text):
            sent = await api.send_text([member], part.content)
        elif isinstance(part, Card):
            sent = await api.send_card([member], part.body(task_id))
        elif isinstance(part, Media):
            sent = await api.send([member], part.msgtype, {"media_id": part.media_id})
        elif isinstance(part, Upload):
            media_id = await _uploaded(api, part)
            sent = await api.send([member], part.msgtype, {"media_id": media_id})
        else:
            sent = await api.send_text([member], part.head)
        if member in sent.invalid_users:
            raise WecomApiError("message/send", None, "member unreachable", Outcome.FAIL)
        return sent.msgid
