"""Notices over SQL: updates settled in the inbox, notices in the outbox, summaries claimed."""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import func, select, update

from desk.notices import Notice, NoticeKind, Queued
from desk.people import Address
from storage import codec
from storage.appends import SETTLE
from storage.dialects import insert_new
from storage.tables import inbox, outbox, reports_sent, tickets
from storage.unit import UnitPart

# Every message of a complaint thread carries its number, so a reply to any of them continues it.
COMPLAINT_KINDS = [
    kind.value
    for kind in (
        NoticeKind.COMPLAINT_ACK,
        NoticeKind.COMPLAINT,
        NoticeKind.COMPLAINT_NUDGE,
        NoticeKind.COMPLAINT_REPLY,
        NoticeKind.COMPLAINT_END,
    )
]


class SqlNotices(UnitPart):
    """Settle updates, post and find notices, and claim summaries on the unit's connection."""

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

    async def complaint_of_message(self, address: Address, message_id: str) -> int | None:
        """Return the complaint a bot message in this chat belongs to."""
        await self.appends.flush(self.conn, outbox)
        row = (
            await self.conn.execute(
                select(outbox.c.kind, outbox.c.body).where(
                    outbox.c.channel == address.channel,
                    outbox.c.chat_id == address.chat,
                    outbox.c.message_id == message_id,
                )
            )
        ).first()
        if row is None or row.kind not in COMPLAINT_KINDS:
            return None
        return int(json.loads(row.body)["params"]["complaint"])

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
