"""Link a retailer's chat to the roster by the phone number they share."""

from __future__ import annotations

from desk.commands import MoveLink, Outcome, ShareContact
from desk.context import DeskContext
from desk.notices import Button, Notice, NoticeKind
from desk.people import Address, Retailer
from desk.ports import Ledger
from desk.turns import first_time

MOVE_BUTTON = "lnk"


async def share_contact(ctx: DeskContext, cmd: ShareContact) -> Outcome:
    """Link the sender's chat when the shared contact is their own, on the roster, and free."""
    if cmd.contact_user_id != cmd.sender_id:
        return Outcome.NOT_OWN_CONTACT
    phone = ctx.read_phone(cmd.phone)
    async with ctx.store.transaction() as ledger:
        if not await first_time(ledger, cmd.source):
            return Outcome.REPEATED
        retailer = await ledger.retailer_with_phone(phone) if phone else None
        if retailer is None:
            return Outcome.UNKNOWN_PHONE
        # A retailer linked elsewhere keeps that chat: a recycled number or a borrowed phone
        # must not take their manager's answers. Only the manager or the roster moves it.
        held = _chat_on(retailer, cmd.address.channel)
        if held in (None, cmd.address.chat) and await ledger.link_chat(
            retailer.id, cmd.address, held
        ):
            await ledger.post(_welcome(ctx, retailer, cmd.address, NoticeKind.WELCOME))
            return Outcome.DONE
        linked = await ledger.retailer(retailer.id)
        if linked is not None and linked.contacts:
            await _tell_of_claim(ctx, ledger, linked, cmd.address)
    return Outcome.ALREADY_LINKED


async def move_link(ctx: DeskContext, cmd: MoveLink) -> Outcome:
    """Move a retailer's link to the chat that claimed it, on their manager's confirmation."""
    async with ctx.store.transaction() as ledger:
        if not await first_time(ledger, cmd.source):
            return Outcome.REPEATED
        # The pressed message itself says which retailer and chat: data on a button can be
        # forged, a notice the desk sent to this very chat cannot.
        claim = await ledger.notice_of_message(cmd.address, cmd.message_id)
        if claim is None or claim.kind is not NoticeKind.LINK_CLAIMED:
            return Outcome.NOT_A_TICKET
        if claim.params.get("chat") != cmd.chat:
            return Outcome.NOT_A_TICKET
        retailer = await ledger.retailer(str(claim.params.get("retailer_id")))
        if retailer is None:
            return Outcome.NOT_A_TICKET
        if retailer.manager_id != cmd.staff_id:
            return Outcome.NOT_YOURS
        held = _chat_on(retailer, cmd.address.channel)
        if held == cmd.chat:
            return Outcome.REPEATED
        was = claim.params.get("was")
        new = Address(cmd.address.channel, cmd.chat)
        if (
            held != was
            or ctx.team.by_contact(new) is not None
            or not await ledger.link_chat(retailer.id, new, held)
        ):
            return Outcome.LINK_CHANGED
        await ledger.post(_welcome(ctx, retailer, new, NoticeKind.LINK_MOVED))
        if isinstance(was, str):
            old = Address(cmd.address.channel, was)
            await ledger.post(_welcome(ctx, retailer, old, NoticeKind.LINK_LEFT))
    return Outcome.DONE


def _chat_on(retailer: Retailer, channel: str) -> str | None:
    """Return the retailer's chat on one channel, if linked there."""
    contact = retailer.contact_on(channel)
    return contact.chat if contact else None


def _welcome(ctx: DeskContext, retailer: Retailer, address: Address, kind: NoticeKind) -> Notice:
    """Return a notice to one of the retailer's chats naming them and their manager."""
    params = {"name": retailer.name, "manager": ctx.team.name_of(retailer.manager_id)}
    return Notice(to=retailer.id, address=address, kind=kind, lang=retailer.lang, params=params)


async def _tell_of_claim(
    ctx: DeskContext, ledger: Ledger, retailer: Retailer, claimant: Address
) -> None:
    """Tell the retailer's chat and their manager that another chat shared the retailer's phone."""
    await ledger.post(_welcome(ctx, retailer, ctx.reach(retailer), NoticeKind.LINK_TRIED))
    manager = ctx.team.managers.get(retailer.manager_id)
    if manager is None:
        return
    await ledger.post(
        Notice(
            to=manager.id,
            address=ctx.reach(manager),
            kind=NoticeKind.LINK_CLAIMED,
            lang=manager.lang,
            # Ids only: the press is checked against these, never against the button's data.
            params={
                "retailer": retailer.name,
                "shop": retailer.shop,
                "retailer_id": retailer.id,
                "chat": claimant.chat,
                "was": _chat_on(retailer, claimant.channel),
            },
            buttons=(Button("button.move_link", f"{MOVE_BUTTON}:{claimant.chat}"),),
        )
    )
