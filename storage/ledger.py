"""The desk's Ledger over SQLAlchemy Core, inside one transaction."""

from __future__ import annotations

import json
import logging
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import and_, bindparam, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from desk.clock import Clock
from desk.notices import Notice, NoticeKind, Queued
from desk.people import Address, Leave, Retailer
from desk.tickets import Event, EventKind, Ticket, TicketMessage, TicketStatus
from storage import codec
from storage import retailers as people
from storage.appends import SETTLE, Appends
from storage.batch import Batch
from storage.dialects import insert_new
from storage.field_ledger import FieldLedger
from storage.readahead import ReadAhead
from storage.tables import (
    complaints,
    events,
    inbox,
    leaves,
    messages,
    outbox,
    ratings,
    reports_sent,
    retailers,
    tickets,
)

# Hot statements are built once: building and hashing a statement costs more than running it.
log = logging.getLogger(__name__)

_OPEN_TICKET = (
    select(tickets)
    .where(tickets.c.retailer_id == bindparam("b_retailer"))
    .where(tickets.c.status == TicketStatus.OPEN.value)
    .order_by(tickets.c.id.desc())
)
_TICKET = select(tickets).where(tickets.c.id == bindparam("b_id"))
# PostgreSQL needs the row lock between workers; SQLite has one writer already.
_OPEN_TICKET_LOCKED = _OPEN_TICKET.with_for_update()
_TICKET_LOCKED = _TICKET.with_for_update()
_CREATE_TICKET = insert(tickets).returning(tickets.c.id)
_SAVE_TICKET = update(tickets).where(tickets.c.id == bindparam("b_id"))
# Every sweep asks this, so the three earliest times come back in one statement.
_WAKEUP = select(
    select(func.min(tickets.c.next_due_at)).scalar_subquery(),
    select(func.min(complaints.c.next_due_at)).scalar_subquery(),
    select(func.min(ratings.c.due_at)).where(ratings.c.asked_at.is_(None)).scalar_subquery(),
)


class SqlLedger(FieldLedger):
    """Read and write the desk's state on one connection."""

    appends: Appends

    def __init__(
        self,
        conn: AsyncConnection,
        clock: Clock,
        appends: Appends | None = None,
        batch: Batch | None = None,
        *,
        numbered: bool = False,
    ) -> None:
        self.conn = conn
        self.clock = clock
        self.posted = 0
        self.due_set: datetime | None = None
        self.appends = appends if appends is not None else Appends()
        # What a group commit read once for all its updates (or this transaction alone).
        self._batch = batch if batch is not None else Batch()
        # Ticket numbers come from the batch, and new tickets are inserted with the rest.
        self._numbered = numbered
        self._ahead = ReadAhead()
        self._locking = conn.dialect.name == "postgresql"

    async def flush(self) -> None:
        """Insert every queued row; the store calls this before it commits."""
        await self.appends.flush(self.conn)

    async def settle(self, channel: str, update_id: int) -> bool:
        """Mark an inbound update handled; False when it was handled before."""
        if (channel, update_id) in self._batch.fresh:
            # Read as new inside this very transaction: it is marked done with the batch.
            if self.appends.settles(channel, update_id):
                return False
            self.appends.add(inbox, {"b_channel": channel, "b_update": update_id})
            return True
        result = await self.conn.execute(SETTLE, {"b_channel": channel, "b_update": update_id})
        if result.rowcount:
            return True
        # An update that never went through the inbox (a direct call) counts as new.
        known = await self.conn.scalar(
            select(inbox.c.id).where(inbox.c.channel == channel, inbox.c.update_id == update_id)
        )
        return known is None

    async def retailer(self, retailer_id: str) -> Retailer | None:
        """Return a retailer by roster id."""
        if retailer_id in self._ahead.retailers:
            return self._ahead.retailers[retailer_id]
        found = await people.read(self.conn, b_id=retailer_id)
        return found[0] if found else None

    async def retailer_at(self, address: Address) -> Retailer | None:
        """Return the retailer linked to this chat."""
        chats = self._batch.chats
        if address in chats:
            return chats[address]
        linked = await people.read(self.conn, b_channel=address.channel, b_chat=address.chat)
        found = linked[0] if linked else None
        chats[address] = found
        return found

    async def retailer_with_phone(self, phone: str) -> Retailer | None:
        """Return the retailer whose roster phone (E.164) this is."""
        found = await people.read(self.conn, retailers.c.phone == phone)
        return found[0] if found else None

    async def link_chat(self, retailer_id: str, address: Address, held_by: str | None) -> bool:
        """Link a retailer to a chat if their chat there is still `held_by`; unlink its holder."""
        now = self.clock.now()
        if not await people.link(
            self.conn, retailer_id, address, held_by, now, locking=self._locking
        ):
            return False
        self._batch.forget()
        self._ahead.retailers.clear()
        return True

    async def open_ticket_of(self, retailer_id: str) -> Ticket | None:
        """Return the retailer's open ticket, locked for update."""
        known = self._batch.open_tickets
        if retailer_id in known:
            return known[retailer_id]
        await self._flush_tickets()
        query = _OPEN_TICKET_LOCKED if self._locking else _OPEN_TICKET
        row = (await self.conn.execute(query, {"b_retailer": retailer_id})).first()
        known[retailer_id] = None
        return self._saw(codec.ticket_from_row(row)) if row else None

    async def ticket(self, ticket_id: int) -> Ticket | None:
        """Return a ticket, locked for update."""
        await self._flush_tickets()
        query = _TICKET_LOCKED if self._locking else _TICKET
        row = (await self.conn.execute(query, {"b_id": ticket_id})).first()
        return self._saw(codec.ticket_from_row(row)) if row else None

    def _saw(self, ticket: Ticket) -> Ticket:
        self._batch.saw(ticket)
        return ticket

    async def _flush_tickets(self) -> None:
        """Insert tickets still queued, before a read of the tickets table."""
        await self.appends.flush(self.conn, tickets)

    async def create_ticket(self, draft: Ticket) -> Ticket:
        """Insert a new ticket and return it with its number."""
        values = {
            "retailer_id": draft.retailer_id,
            "manager_id": draft.manager_id,
            "home_manager_id": draft.home_manager_id,
            "opened_at": draft.opened_at,
            "policy": codec.policy_text(draft.policy),
            "off_hours": draft.off_hours,
            **codec.ticket_state(draft),
        }
        if self._numbered:
            ticket_id: int | None = await self._batch.next_ticket_id(self.conn)
            self.appends.add(tickets, {"id": ticket_id, **values})
        else:
            ticket_id = await self.conn.scalar(_CREATE_TICKET, values)
        assert ticket_id is not None
        return self._saw(draft.evolve(id=ticket_id))

    async def save_ticket(self, ticket: Ticket) -> None:
        """Write a ticket's changed state."""
        state = codec.ticket_state(ticket)
        queued = self.appends.own_ticket(ticket.id)
        if queued is not None:
            # Created in this unit and not inserted yet: the insert carries the new state.
            queued.update(state)
        elif self._batch.states.get(ticket.id) != state:
            # A ticket queued by an earlier unit is inserted first, by the unit's connection.
            await self.conn.execute(_SAVE_TICKET, {"b_id": ticket.id, **state})
        self._saw(ticket)
        due = ticket.next_due_at
        if due is not None and (self.due_set is None or due < self.due_set):
            self.due_set = due

    async def add_message(self, message: TicketMessage) -> None:
        """Append a message to a ticket's conversation."""
        self._ahead.forget(message.ticket_id)
        self.appends.add(
            messages,
            {
                "ticket_id": message.ticket_id,
                "author_id": message.author_id,
                "from_retailer": message.from_retailer,
                **codec.content_values(message.content),
                "at": message.at,
            },
        )

    async def waiting_messages(self, ticket_id: int, since: datetime) -> list[TicketMessage]:
        """Return the retailer's messages not yet answered."""
        ahead = self._ahead.waiting(ticket_id, since)
        if ahead is not None:
            return ahead
        await self.appends.flush(self.conn, messages)
        query = (
            select(messages)
            .where(messages.c.ticket_id == ticket_id, messages.c.from_retailer.is_(True))
            .where(messages.c.at >= since)
            .order_by(messages.c.id)
        )
        return [
            TicketMessage(
                m.ticket_id,
                m.author_id,
                True,
                codec.content_from(m._mapping),
                m.at,
            )
            for m in (await self.conn.execute(query)).all()
        ]

    async def record(self, event: Event) -> None:
        """Append an event to a ticket's history."""
        self._ahead.forget(event.ticket_id)
        self.appends.add(
            events,
            {
                "ticket_id": event.ticket_id,
                "kind": event.kind.value,
                "at": event.at,
                "actor": event.actor,
                "target": event.target,
                "step": event.step,
                "seconds": event.seconds,
                "round": event.round,
                "delivered": event.delivered,
                "detail": json.dumps(event.detail, ensure_ascii=False),
            },
        )

    async def post(self, notice: Notice, not_before: datetime | None = None) -> None:
        """Queue a message in the outbox, held until `not_before` when given."""
        now = self.clock.now()
        # Another worker may have taken the staff member's /lang since this one read the team.
        picked = await self._batch.staff_langs(self.conn)
        self.appends.add(
            outbox,
            {
                "recipient_id": notice.to,
                "channel": notice.address.channel,
                "chat_id": notice.address.chat,
                "kind": notice.kind.value,
                "lang": picked.get(notice.to, notice.lang),
                "ticket_id": notice.ticket_id,
                "step": notice.step,
                "body": codec.notice_body(notice),
                "not_before": max(not_before, now) if not_before else now,
                "created_at": now,
            },
        )
        self.posted += 1

    async def last_notice(
        self, ticket_id: int, to: str, kinds: Collection[NoticeKind]
    ) -> Queued | None:
        """Return the newest notice of these kinds about a ticket to one person."""
        await self.appends.flush(self.conn, outbox)
        query = (
            select(outbox)
            .where(outbox.c.ticket_id == ticket_id, outbox.c.recipient_id == to)
            .where(outbox.c.kind.in_([k.value for k in kinds]))
            .order_by(outbox.c.id.desc())
            .limit(1)
        )
        row = (await self.conn.execute(query)).first()
        if row is None:
            return None
        untried = row.state == "pending" and row.attempts == 0
        return Queued(row.id, codec.notice_from_row(row), row.not_before, row.sent_at, untried)

    async def amend(self, queued: Queued, notice: Notice) -> bool:
        """Rewrite a notice nobody tried to send yet; False once the sender has taken it."""
        result = await self.conn.execute(
            update(outbox)
            .where(outbox.c.id == queued.id, outbox.c.state == "pending", outbox.c.attempts == 0)
            .values(body=codec.notice_body(notice))
        )
        return bool(result.rowcount)

    async def ticket_of_message(self, address: Address, message_id: str) -> int | None:
        """Return the ticket a bot message in this chat belongs to."""
        await self.appends.flush(self.conn, outbox)
        return await self.conn.scalar(
            select(outbox.c.ticket_id).where(
                outbox.c.channel == address.channel,
                outbox.c.chat_id == address.chat,
                outbox.c.message_id == message_id,
            )
        )

    async def notice_of_message(self, address: Address, message_id: str) -> Notice | None:
        """Return the notice a bot message in this chat delivered."""
        await self.appends.flush(self.conn, outbox)
        query = select(outbox).where(
            outbox.c.channel == address.channel,
            outbox.c.chat_id == address.chat,
            outbox.c.message_id == message_id,
        )
        row = (await self.conn.execute(query)).first()
        return codec.notice_from_row(row) if row else None

    async def notified(self, ticket_id: int, since: datetime) -> list[str]:
        """Return staff ids the ticket was escalated to since a moment."""
        ahead = self._ahead.notified(ticket_id, since)
        if ahead is not None:
            return ahead
        await self.appends.flush(self.conn, events)
        query = (
            select(events.c.target)
            .where(events.c.ticket_id == ticket_id, events.c.kind == EventKind.ESCALATED.value)
            .where(events.c.at >= since, events.c.target.is_not(None))
            .order_by(events.c.id)
        )
        seen = [t for t in (await self.conn.scalars(query)).all() if t is not None]
        return list(dict.fromkeys(seen))

    async def open_tickets_of(self, staff_id: str) -> list[Ticket]:
        """Return open tickets assigned to a manager, oldest first."""
        await self._flush_tickets()
        query = (
            select(tickets)
            .where(tickets.c.manager_id == staff_id, tickets.c.status == TicketStatus.OPEN.value)
            .order_by(tickets.c.opened_at)
        )
        return [codec.ticket_from_row(r) for r in (await self.conn.execute(query)).all()]

    async def leave_of(self, manager_id: str, at: datetime) -> Leave | None:
        """Return the manager's leave in force at a moment."""
        return await self._batch.leave_of(self.conn, manager_id, at)

    async def start_leave(self, leave: Leave) -> None:
        """Store a manager's leave, replacing any earlier one."""
        self._batch.forget()
        await self.conn.execute(delete(leaves).where(leaves.c.manager_id == leave.manager_id))
        await self.conn.execute(
            insert(leaves).values(
                manager_id=leave.manager_id,
                covering_id=leave.covering_id,
                until=leave.until,
                started_at=leave.started_at,
            )
        )

    async def end_leave(self, manager_id: str, at: datetime) -> bool:
        """End a manager's leave; False when none was in force."""
        self._batch.forget()
        result = await self.conn.execute(
            delete(leaves).where(leaves.c.manager_id == manager_id, leaves.c.until > at)
        )
        return bool(result.rowcount)

    async def claim_report(self, week: str, supervisor_id: str, at: datetime) -> bool:
        """Reserve a week's summary for a supervisor; False when it was already sent."""
        row = {"week": week, "supervisor_id": supervisor_id, "sent_at": at}
        return await insert_new(self.conn, reports_sent, [row], ["week", "supervisor_id"]) == 1

    async def report_claimed(self, week: str, supervisor_id: str) -> bool:
        """Tell whether a week's summary for a supervisor was sent already."""
        query = select(reports_sent.c.week).where(
            reports_sent.c.week == week, reports_sent.c.supervisor_id == supervisor_id
        )
        return await self.conn.scalar(query) is not None

    async def in_service_since(self) -> datetime | None:
        """Return when the desk first stored anything: an update, a ticket or a summary."""
        await self._flush_tickets()
        firsts = [
            await self.conn.scalar(select(func.min(column)))
            for column in (inbox.c.received_at, tickets.c.opened_at, reports_sent.c.sent_at)
        ]
        return min((at for at in firsts if at is not None), default=None)

    async def _park_unreadable(self, ticket_id: int, error: Exception) -> None:
        """Take an unreadable ticket off the ladder, with an event that says why."""
        log.error("ticket %s is unreadable and off the ladder: %s", ticket_id, type(error).__name__)
        await self.conn.execute(
            update(tickets).where(tickets.c.id == ticket_id).values(next_due_at=None)
        )
        detail = {"error": type(error).__name__, "unreadable": True}
        await self.conn.execute(
            insert(events).values(
                ticket_id=ticket_id,
                kind=EventKind.STUCK.value,
                at=self.clock.now(),
                detail=json.dumps(detail),
            )
        )

    async def earliest_due(self) -> datetime | None:
        """Return the earliest next due time of any open ticket."""
        await self._flush_tickets()
        earliest: datetime | None = await self.conn.scalar(select(func.min(tickets.c.next_due_at)))
        return earliest

    async def earliest_wakeup(self) -> datetime | None:
        """Return when the next step, complaint reminder or rating request falls due."""
        await self._flush_tickets()
        row = (await self.conn.execute(_WAKEUP)).one()
        return min((t for t in row if t is not None), default=None)

    async def due_tickets(self, now: datetime, limit: int) -> list[Ticket]:
        """Claim open tickets whose next step is due."""
        await self._flush_tickets()
        due: list[Ticket] = []
        while True:
            wanted = limit - len(due)
            query = (
                select(tickets)
                .where(and_(tickets.c.next_due_at.is_not(None), tickets.c.next_due_at <= now))
                .order_by(tickets.c.next_due_at)
                .limit(wanted)
            )
            if due:
                query = query.where(tickets.c.id.not_in([ticket.id for ticket in due]))
            if self._locking:
                query = query.with_for_update(skip_locked=True)
            rows = (await self.conn.execute(query)).all()
            for row in rows:
                try:
                    due.append(codec.ticket_from_row(row))
                except Exception as error:
                    # A row this code cannot read (a policy snapshot of a newer release) is
                    # set aside, so that it does not stop every other ticket's ladder.
                    await self._park_unreadable(row.id, error)
            # Rows set aside leave room in the batch for the ones after them.
            if len(rows) < wanted or len(due) == limit:
                break
        # Each climb reads the retailer, the waiting messages and who was told: read them all now.
        await self.appends.flush(self.conn, messages, events)
        await self._ahead.load(self.conn, due)
        return due
