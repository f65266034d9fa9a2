"""Read what each climb of a claimed batch will ask, for the whole batch in a few queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from desk.people import Retailer
from desk.tickets import EventKind, Ticket, TicketMessage
from storage import codec, people
from storage.tables import events, messages, retailers


class ReadAhead:
    """Retailers, unanswered messages and past escalations of a batch of due tickets.

    A ticket's entries are good for reads from its own waiting start on, until something is
    written about it in the same transaction; then the ledger asks the database again.
    """

    def __init__(self) -> None:
        self.retailers: dict[str, Retailer] = {}
        self._waiting: dict[int, list[TicketMessage]] = defaultdict(list)
        self._escalated: dict[int, list[tuple[datetime, str]]] = defaultdict(list)
        self._since: dict[int, datetime] = {}

    async def load(self, conn: AsyncConnection, batch: Sequence[Ticket]) -> None:
        """Read the batch's retailers, waiting messages and escalations: three queries."""
        if not batch:
            return
        ids = [t.id for t in batch]
        since = min(t.waiting_since or t.opened_at for t in batch)
        wanted = {t.retailer_id for t in batch}
        for retailer in await people.read(conn, retailers.c.id.in_(wanted)):
            self.retailers[retailer.id] = retailer
        waiting = (
            select(messages)
            .where(messages.c.ticket_id.in_(ids), messages.c.from_retailer.is_(True))
            .where(messages.c.at >= since)
            .order_by(messages.c.id)
        )
        for m in (await conn.execute(waiting)).all():
            content = codec.content_from(m._mapping)
            self._waiting[m.ticket_id].append(
                TicketMessage(m.ticket_id, m.author_id, True, content, m.at)
            )
        escalated = (
            select(events.c.ticket_id, events.c.at, events.c.target)
            .where(events.c.ticket_id.in_(ids), events.c.kind == EventKind.ESCALATED.value)
            .where(events.c.at >= since, events.c.target.is_not(None))
            .order_by(events.c.id)
        )
        for ticket_id, at, target in (await conn.execute(escalated)).all():
            self._escalated[ticket_id].append((at, target))
        self._since.update(dict.fromkeys(ids, since))

    def waiting(self, ticket_id: int, since: datetime) -> list[TicketMessage] | None:
        """Return the ticket's retailer messages from `since`, or None when not read ahead."""
        if not self._covers(ticket_id, since):
            return None
        return [m for m in self._waiting.get(ticket_id, []) if m.at >= since]

    def notified(self, ticket_id: int, since: datetime) -> list[str] | None:
        """Return who the ticket was escalated to from `since`, or None when not read ahead."""
        if not self._covers(ticket_id, since):
            return None
        seen = [target for at, target in self._escalated.get(ticket_id, []) if at >= since]
        return list(dict.fromkeys(seen))

    def forget(self, ticket_id: int) -> None:
        """Drop a ticket's entries once something new is written about it."""
        self._since.pop(ticket_id, None)

    def _covers(self, ticket_id: int, since: datetime) -> bool:
        start = self._since.get(ticket_id)
        return start is not None and since >= start
