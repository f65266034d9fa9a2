"""Link a retailer's chat to the roster by the phone number they share."""

from __future__ import annotations

from desk.commands import Outcome, ShareContact
from desk.context import DeskContext
from desk.notices import Notice, NoticeKind
from desk.phones import normalize_phone
from desk.turns import first_time


async def share_contact(ctx: DeskContext, cmd: ShareContact) -> Outcome:
    """Link the sender's chat when the shared contact is their own and on the roster."""
    if cmd.contact_user_id != cmd.sender_id:
        return Outcome.NOT_OWN_CONTACT
    async with ctx.store.transaction() as ledger:
        if not await first_time(ledger, cmd.source):
            return Outcome.REPEATED
        retailer = await ledger.link_retailer(normalize_phone(cmd.phone), cmd.address)
        if retailer is None:
            return Outcome.UNKNOWN_PHONE
        await ledger.post(
            Notice(
                to=retailer.id,
                address=cmd.address,
                kind=NoticeKind.WELCOME,
                lang=retailer.lang,
                params={"name": retailer.name, "manager": ctx.team.name_of(retailer.manager_id)},
            )
        )
    return Outcome.DONE
