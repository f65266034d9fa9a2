"""Which language each person reads: picked with /lang, or following their chat app."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TypeVar

from desk.commands import Outcome
from desk.context import DeskContext
from desk.people import Address, Staff
from desk.ports import People

StaffT = TypeVar("StaffT", bound=Staff)

LANGS = ("zh", "en")


async def choose(ctx: DeskContext, address: Address, lang: str) -> Outcome:
    """Switch a retailer or staff member to the language they picked."""
    if lang not in LANGS:
        raise ValueError(f"no catalog for language {lang!r}; pick one of {LANGS}")
    staff = ctx.team.by_contact(address)
    async with ctx.store.transaction() as ledger:
        if staff is not None:
            await ledger.set_staff_lang(staff.id, lang, ctx.clock.now())
        else:
            retailer = await ledger.retailer_at(address)
            if retailer is None:
                return Outcome.UNKNOWN_SENDER
            await ledger.set_retailer_lang(retailer.id, lang, chosen=True)
    return Outcome.DONE


async def follow_app(ctx: DeskContext, address: Address, lang: str) -> bool:
    """Follow the chat app's language for a retailer who never picked one; True if changed."""
    async with ctx.store.transaction() as ledger:
        retailer = await ledger.retailer_at(address)
        if retailer is None or retailer.lang_chosen or retailer.lang == lang or lang not in LANGS:
            return False
        await ledger.set_retailer_lang(retailer.id, lang, chosen=False)
    return True


async def everyone_as_picked(ctx: DeskContext) -> list[Staff]:
    """Return every staff member in the language they last picked."""
    async with ctx.store.peek() as ledger:
        picked = await ledger.staff_langs()
    team = [*ctx.team.managers.values(), *ctx.team.supervisors.values()]
    return [_in_picked(s, picked) for s in team]


async def as_picked(ledger: People, staff: StaffT) -> StaffT:
    """Return a staff member in the language they last picked, on whichever worker."""
    # Picks live in the database, not in a worker's copy of the config, so every worker
    # speaks the new language at once.
    return _in_picked(staff, await ledger.staff_langs())


def _in_picked(staff: StaffT, picked: Mapping[str, str]) -> StaffT:
    lang = picked.get(staff.id, staff.lang)
    return staff if lang == staff.lang else replace(staff, lang=lang)
