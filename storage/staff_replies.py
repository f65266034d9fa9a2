"""What a staff member's next plain message answers, kept so that every worker sees the same."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select

from desk.content import Content, ContentKind
from desk.people import Address
from storage.dialects import upsert
from storage.store import SqlStore
from storage.tables import staff_replies


@dataclass(frozen=True)
class Aim:
    """The ticket a staff member pressed "reply" on, or a message waiting for them to pick one."""

    ticket_id: int | None
    held: Content | None


class StaffReplies:
    """Remember, per staff member, where their next plain message goes."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store

    async def aim_of(self, staff_id: str) -> Aim | None:
        """Return what the staff member chose or left waiting, if anything."""
        async with self.store.reading() as conn:
            query = select(staff_replies).where(staff_replies.c.staff_id == staff_id)
            row = (await conn.execute(query)).first()
        if row is None:
            return None
        held = None
        if row.kind is not None:
            origin = Address(row.channel, row.chat_id) if row.channel and row.chat_id else None
            held = Content(
                ContentKind(row.kind),
                row.text or "",
                origin=origin,
                message=row.message_id,
                file=row.file_ref,
                size=row.size,
            )
        return Aim(row.ticket_id, held)

    async def aim(self, staff_id: str, ticket_id: int) -> None:
        """Send the staff member's next plain message to this ticket."""
        await self._put(staff_id, ticket_id, None)

    async def hold(self, staff_id: str, content: Content) -> None:
        """Keep a message until the staff member picks the ticket it answers."""
        await self._put(staff_id, None, content)

    async def forget(self, staff_id: str) -> None:
        """Take plain messages as before: nothing chosen, nothing held."""
        async with self.store.writing(), self.store.engine.begin() as conn:
            await conn.execute(delete(staff_replies).where(staff_replies.c.staff_id == staff_id))

    async def _put(self, staff_id: str, ticket_id: int | None, held: Content | None) -> None:
        origin = held.origin if held is not None else None
        row = {
            "staff_id": staff_id,
            "ticket_id": ticket_id,
            "kind": held.kind.value if held is not None else None,
            "text": held.text if held is not None else None,
            "channel": origin.channel if origin is not None else None,
            "chat_id": origin.chat if origin is not None else None,
            "message_id": held.message if held is not None else None,
            "file_ref": held.file if held is not None else None,
            "size": held.size if held is not None else None,
            "at": self.store.clock.now(),
        }
        async with self.store.writing(), self.store.engine.begin() as conn:
            await upsert(conn, staff_replies, [row], ["staff_id"])
