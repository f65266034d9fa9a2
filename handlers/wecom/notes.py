"""The WeChat side's own words to someone, posted to the outbox like any notice."""

from __future__ import annotations

from typing import Any

from desk.context import DeskContext
from desk.notices import Button, Notice, NoticeKind
from desk.people import Address
from handlers.wecom.texts import CATALOGS, ZH


def say(lang: str, key: str, **params: Any) -> str:
    """Return a catalog text filled with params, falling back to Chinese."""
    catalog = CATALOGS.get(lang, ZH)
    return catalog.get(key, ZH[key]).format(**params)


def note(
    to: str,
    address: Address,
    lang: str,
    key: str,
    *,
    ticket_id: int | None = None,
    buttons: tuple[Button, ...] = (),
    **params: Any,
) -> Notice:
    """Return a NOTE notice: the catalog text for key, written out in the person's language."""
    return Notice(
        to=to,
        address=address,
        kind=NoticeKind.NOTE,
        lang=lang,
        params={"about": key, "text": say(lang, key, **params), **params},
        ticket_id=ticket_id,
        buttons=buttons,
    )


async def post(ctx: DeskContext, notice: Notice) -> None:
    """Post one notice in a transaction of its own."""
    async with ctx.store.transaction() as ledger:
        await ledger.post(notice)
