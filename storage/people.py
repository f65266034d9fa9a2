"""People over SQL: retailers with the chats they are reached on, and languages staff picked."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, bindparam, delete, insert, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncConnection

from desk.people import Address, Retailer
from storage import codec
from storage.dialects import upsert
from storage.tables import contacts, retailers, staff_langs
from storage.unit import UnitPart

# One row per retailer and contact (or one with no contact): a retailer and their chats in one
# statement, most recently linked first, as that is the chat they are reached on.
WITH_CONTACTS = (
    select(
        retailers,
        contacts.c.channel.label("contact_channel"),
        contacts.c.chat.label("contact_chat"),
    )
    .select_from(retailers.outerjoin(contacts, contacts.c.retailer_id == retailers.c.id))
    .order_by(retailers.c.id, contacts.c.linked_at.desc())
)
BY_ID = WITH_CONTACTS.where(retailers.c.id == bindparam("b_id"))
AT_CHAT = WITH_CONTACTS.where(
    retailers.c.id
    == select(contacts.c.retailer_id)
    .where(contacts.c.channel == bindparam("b_channel"), contacts.c.chat == bindparam("b_chat"))
    .scalar_subquery()
)


def fold(rows: Sequence[Row[Any]]) -> list[Retailer]:
    """Return one retailer per id from rows of `WITH_CONTACTS`, in the rows' order."""
    chats: dict[str, list[Address]] = {}
    firsts: dict[str, Row[Any]] = {}
    for row in rows:
        found = chats.setdefault(row.id, [])
        firsts.setdefault(row.id, row)
        if row.contact_chat is not None:
            found.append(Address(row.contact_channel, row.contact_chat))
    return [codec.retailer_from_row(firsts[rid], tuple(found)) for rid, found in chats.items()]


async def read(
    conn: AsyncConnection, where: ColumnElement[bool] | None = None, **params: Any
) -> list[Retailer]:
    """Return the retailers a condition (or prepared parameters of `BY_ID`/`AT_CHAT`) picks."""
    if where is not None:
        return fold((await conn.execute(WITH_CONTACTS.where(where))).all())
    query = AT_CHAT if "b_chat" in params else BY_ID
    return fold((await conn.execute(query, params)).all())


async def at_chats(conn: AsyncConnection, chats: Sequence[Address]) -> list[Retailer]:
    """Return the retailers linked to any of these chats."""
    keys = [(a.channel, a.chat) for a in chats]
    linked = select(contacts.c.retailer_id).where(
        tuple_(contacts.c.channel, contacts.c.chat).in_(keys)
    )
    return await read(conn, retailers.c.id.in_(linked))


async def link(
    conn: AsyncConnection,
    retailer_id: str,
    address: Address,
    held_by: str | None,
    at: datetime,
    *,
    locking: bool,
) -> bool:
    """Link a retailer's chat on a channel if it is still `held_by`; unlink its other holder."""
    held = select(contacts.c.chat).where(
        contacts.c.retailer_id == retailer_id, contacts.c.channel == address.channel
    )
    found = select(retailers.c.id).where(retailers.c.id == retailer_id)
    if locking:
        # Two chats sharing one phone at once: the second waits, then sees the first's link.
        found = found.with_for_update()
    if await conn.scalar(found) is None or await conn.scalar(held) != held_by:
        return False
    # One retailer per chat, one chat per retailer and channel: drop both old links first.
    await conn.execute(
        delete(contacts).where(
            contacts.c.channel == address.channel,
            (contacts.c.chat == address.chat) | (contacts.c.retailer_id == retailer_id),
        )
    )
    await conn.execute(
        insert(contacts).values(
            channel=address.channel, chat=address.chat, retailer_id=retailer_id, linked_at=at
        )
    )
    return True


class SqlPeople(UnitPart):
    """Read and write retailers, their contacts and staff languages on the unit's connection."""

    async def retailer(self, retailer_id: str) -> Retailer | None:
        """Return a retailer by roster id."""
        if retailer_id in self._ahead.retailers:
            return self._ahead.retailers[retailer_id]
        found = await read(self.conn, b_id=retailer_id)
        return found[0] if found else None

    async def retailer_at(self, address: Address) -> Retailer | None:
        """Return the retailer linked to this chat."""
        chats = self._batch.chats
        if address in chats:
            return chats[address]
        linked = await read(self.conn, b_channel=address.channel, b_chat=address.chat)
        found = linked[0] if linked else None
        chats[address] = found
        return found

    async def retailer_with_phone(self, phone: str) -> Retailer | None:
        """Return the retailer whose roster phone (E.164) this is."""
        found = await read(self.conn, retailers.c.phone == phone)
        return found[0] if found else None

    async def link_chat(self, retailer_id: str, address: Address, held_by: str | None) -> bool:
        """Link a retailer to a chat if their chat there is still `held_by`; unlink its holder."""
        now = self.clock.now()
        if not await link(self.conn, retailer_id, address, held_by, now, locking=self._locking):
            return False
        self._batch.forget()
        self._ahead.retailers.clear()
        return True

    async def expect(self, retailer_id: str, awaiting: str | None, until: datetime | None) -> None:
        """Remember what the desk waits for from a retailer next (None: nothing)."""
        await self.conn.execute(
            update(retailers)
            .where(retailers.c.id == retailer_id)
            .values(awaiting=awaiting, awaiting_until=until)
        )
        # The retailer read earlier in this group commit is stale now.
        self._batch.forget()

    async def set_retailer_lang(self, retailer_id: str, lang: str, *, chosen: bool) -> None:
        """Store a retailer's language; `chosen` when they picked it themselves."""
        await self.conn.execute(
            update(retailers)
            .where(retailers.c.id == retailer_id)
            .values(lang=lang, lang_chosen=chosen)
        )
        self._batch.forget()

    async def staff_langs(self) -> dict[str, str]:
        """Return the languages staff members picked in the chat, by staff id."""
        # Read once per unit of work, and shared with the language each staff notice is posted in.
        return dict(await self._batch.staff_langs(self.conn))

    async def set_staff_lang(self, staff_id: str, lang: str, at: datetime) -> None:
        """Store the language a staff member picked."""
        row = {"staff_id": staff_id, "lang": lang, "updated_at": at}
        await upsert(self.conn, staff_langs, [row], ["staff_id"])
        self._batch.forget()
