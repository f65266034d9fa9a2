"""Retailers on 微信客服: their synced messages and events, as the desk's commands."""

from __future__ import annotations

import logging

from desk.commands import Inbound, Outcome
from desk.content import MAX_TEXT, Content, ContentKind
from desk.conversation import Receive
from desk.people import Address
from desk.service import Desk
from desk.turns import first_time
from handlers.wecom import choices, scene
from handlers.wecom.api import JSON, WecomApi
from handlers.wecom.errcodes import WecomApiError
from handlers.wecom.kf_sync import ORIGIN_CUSTOMER
from handlers.wecom.notes import note, post, say
from storage.kf import KfLog

log = logging.getLogger(__name__)

WECHAT = "wechat"
# The kf msgid of a message the desk sent is its outbox row's id after this prefix.
SENT_PREFIX = "rd"
ORIGIN_EVENT = 4

_KINDS = {
    "image": ContentKind.PHOTO,
    "voice": ContentKind.VOICE,
    "file": ContentKind.DOCUMENT,
    "video": ContentKind.VIDEO,
}


def content_of(item: JSON, origin: Address) -> Content | None:
    """Return what a customer sent, in the desk's terms; None for what cannot be relayed."""
    msgtype = str(item.get("msgtype", ""))
    body = item.get(msgtype) or {}
    msgid = str(item.get("msgid", ""))
    if msgtype == "text":
        return Content(ContentKind.TEXT, str(body.get("content", "")), origin, msgid)
    if msgtype in _KINDS:
        return Content(_KINDS[msgtype], "", origin, msgid, file=str(body.get("media_id", "")))
    if msgtype == "location":
        where = f"📍 {body.get('name', '')} {body.get('address', '')}".strip()
        place = f"{where} ({body.get('latitude', '')}, {body.get('longitude', '')})"
        return Content(ContentKind.LOCATION, place, origin, msgid)
    return None


class Retailers:
    """Take what retailers send through kf to the desk, and link those who open their link."""

    def __init__(self, desk: Desk, api: WecomApi, kf_log: KfLog, link_secret: str) -> None:
        self.desk = desk
        self.api = api
        self.kf_log = kf_log
        self.link_secret = link_secret

    async def take(self, item: JSON, update_id: int) -> None:
        """Hand one synced item to the desk."""
        origin = item.get("origin")
        source = Inbound(WECHAT, update_id)
        if origin == ORIGIN_CUSTOMER:
            await self._message(item, source)
        elif origin == ORIGIN_EVENT:
            event = item.get("event") or {}
            kind = event.get("event_type")
            if kind == "enter_session":
                await self._enter(event, source)
            elif kind == "msg_send_fail":
                await self._send_failed(event, source)

    async def _message(self, item: JSON, source: Inbound) -> None:
        address = Address(WECHAT, str(item.get("external_userid", "")))
        body = item.get("text") if item.get("msgtype") == "text" else None
        if isinstance(body, dict):
            text, menu_id = str(body.get("content", "")), body.get("menu_id")
            if choices.is_choice(text, str(menu_id) if menu_id else None):
                await self._choice(address, str(menu_id or text), source)
                return
        content = content_of(item, address)
        if content is None:
            log.info("kf item %s of a type the desk does not relay", source.update_id)
            return
        outcome = await self.desk.receive(Receive(address, content, source))
        if outcome is Outcome.UNKNOWN_SENDER:
            await post(self.desk.ctx, note(address.chat, address, "zh", "wechat.unlinked"))
        elif outcome is Outcome.TOO_LONG:
            retailer = (await self.desk.who(address)).retailer
            to, lang = (retailer.id, retailer.lang) if retailer else (address.chat, "zh")
            await post(self.desk.ctx, note(to, address, lang, "too_long", limit=MAX_TEXT))

    async def _choice(self, address: Address, choice: str, source: Inbound) -> None:
        """Apply a menu tap or a command, and tell the retailer when the desk did not."""
        if (await self.desk.who(address)).retailer is None:
            await post(self.desk.ctx, note(address.chat, address, "zh", "wechat.unlinked"))
            return
        told = await choices.choose(self.desk, address, choice, source)
        # Read after the choice: /lang has just changed the language to answer in.
        retailer = (await self.desk.who(address)).retailer
        if told is not None and retailer is not None:
            key, params = told
            await post(self.desk.ctx, note(retailer.id, address, retailer.lang, key, **params))

    async def _enter(self, event: JSON, source: Inbound) -> None:
        """Link the customer to the retailer their signed link names, and welcome them once."""
        ctx = self.desk.ctx
        chat = str(event.get("external_userid", ""))
        address = Address(WECHAT, chat)
        retailer_id = scene.verify(self.link_secret, event.get("scene_param"))
        key, lang, params = "wechat.unlinked", "zh", {}
        async with ctx.store.transaction() as ledger:
            if not await first_time(ledger, source):
                return
            named = await ledger.retailer(retailer_id) if retailer_id else None
            # Someone linked before may come back without their link (from the chat list).
            retailer = named or await ledger.retailer_at(address)
            if retailer is not None:
                lang = retailer.lang
                linked = retailer.contact_on(WECHAT)
                held = linked.chat if linked else None
                if held == chat or (
                    held is None and await ledger.link_chat(retailer.id, address, held)
                ):
                    key = "welcome"
                    manager = ctx.team.name_of(retailer.manager_id)
                    params = {"name": retailer.name, "manager": manager}
                else:
                    # Their link was opened from another WeChat: only their manager moves it.
                    key = "wechat.link_taken"
        log.info("kf customer entered: %s", "linked" if key == "welcome" else key)
        await self._welcome(event, say(lang, key, **params))

    async def _welcome(self, event: JSON, text: str) -> None:
        code = event.get("welcome_code")
        if not code:
            return
        # The code allows one message within 20 seconds: sent now, never queued.
        try:
            await self.api.kf_send_on_event(str(code), "text", {"content": text})
        except WecomApiError as error:
            log.warning("kf welcome not sent: errcode %s", error.errcode)

    async def _send_failed(self, event: JSON, source: Inbound) -> None:
        """Tell the ticket's manager that a message to the retailer did not arrive."""
        ctx = self.desk.ctx
        msgid = str(event.get("fail_msgid", ""))
        row_id = msgid.removeprefix(SENT_PREFIX)
        if not msgid.startswith(SENT_PREFIX) or not row_id.isdigit():
            return
        sent = await self.kf_log.sent_row(int(row_id))
        if sent is None or sent.ticket_id is None:
            log.warning("kf send failure of row %s, which names no ticket", row_id)
            return
        async with ctx.store.transaction() as ledger:
            if not await first_time(ledger, source):
                return
            ticket = await ledger.ticket(sent.ticket_id)
            manager = ctx.team.staff(ticket.manager_id) if ticket else None
            retailer = await ledger.retailer(ticket.retailer_id) if ticket else None
            if manager is None or ticket is None:
                return
            await ledger.post(
                note(
                    manager.id,
                    ctx.reach(manager),
                    manager.lang,
                    "wechat.send_failed",
                    ticket_id=ticket.id,
                    ticket=ticket.id,
                    retailer=retailer.name if retailer else sent.recipient_id,
                )
            )
