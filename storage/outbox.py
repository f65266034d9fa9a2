"""The outbox: messages the desk decided to send, handed to the sender and settled."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, bindparam, case, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from desk.notices import Notice
from storage import codec
from storage.store import SqlStore
from storage.tables import events, outbox

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
# A claimed row is "leased"; it becomes "sending" just before its first try. Only a row that
# was being sent when its lease ran out may have reached Telegram, so only that one goes out
# again marked as a possible repeat.
UNSENT = ("pending", "leased", "sending")

_SENT = (
    update(outbox)
    .where(outbox.c.id == bindparam("b_id"))
    .values(state="sent", sent_at=bindparam("b_at"), message_id=bindparam("b_message"))
)


@dataclass(frozen=True)
class Parcel:
    """One outbox row claimed for delivery."""

    id: int
    notice: Notice
    attempts: int
    repeat: bool


@dataclass(frozen=True)
class Settled:
    """What became of one delivery attempt."""

    id: int
    state: str
    message_id: str | None = None
    error: str | None = None
    retry_at: datetime | None = None
    escalation: tuple[int, int, str] | None = None


@dataclass(frozen=True)
class Backlog:
    """How much is waiting to be sent, for status and metrics."""

    pending: int
    oldest: datetime | None
    last_error: str | None


class Outbox:
    """Claim rows for sending with a lease, and record how each delivery went."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store

    async def claim(
        self,
        now: datetime,
        limit: int = 100,
        trying: Callable[[list[Parcel]], Sequence[int]] | None = None,
        channel: str | None = None,
    ) -> list[Parcel]:
        """Lease due rows (of one channel, if named), recording as tried those `trying` picks."""
        # A row whose earlier lease ran out while it was being sent may have gone out already.
        claimable = or_(
            (outbox.c.state == "pending") & (outbox.c.not_before <= now),
            outbox.c.state.in_(("leased", "sending")) & (outbox.c.lease_until <= now),
        )
        query = select(outbox).where(claimable).order_by(outbox.c.id).limit(limit)
        if channel is not None:
            query = query.where(outbox.c.channel == channel)
        if self.store.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True)
        async with self.store.writing(), self.store.engine.begin() as conn:
            while True:
                rows = (await conn.execute(query)).all()
                parcels = await _readable(conn, rows)
                # A batch that held nothing readable is no reason to stop: the rows after it may.
                if parcels or len(rows) < limit:
                    break
            if not parcels:
                return []
            first = list(trying(parcels)) if trying is not None else []
            # A row that may have gone out already stays in doubt until it is settled; the
            # first to be sent are recorded as tried in the same statement.
            doubted = outbox.c.state == "sending"
            if first:
                doubted = doubted | outbox.c.id.in_(first)
            await conn.execute(
                update(outbox)
                .where(outbox.c.id.in_([p.id for p in parcels]))
                .values(
                    state=case((doubted, "sending"), else_="leased"),
                    lease_until=now + LEASE,
                    attempts=outbox.c.attempts + 1,
                )
            )
        return parcels

    async def trying(self, ids: Sequence[int]) -> None:
        """Record that these leased rows are about to be sent, so a crash marks them repeats."""
        async with self.store.writing(), self.store.engine.begin() as conn:
            await _mark_trying(conn, ids)

    async def settle(
        self, outcomes: Sequence[Settled], at: datetime, trying: Sequence[int] = ()
    ) -> None:
        """Record a batch of delivery outcomes, and rows about to be tried, in one transaction."""
        if not outcomes and not trying:
            return
        plain = [o for o in outcomes if o.state == "sent" and o.escalation is None]
        rest = [o for o in outcomes if o.state != "sent" or o.escalation is not None]
        async with self.store.writing(), self.store.engine.begin() as conn:
            # Marked first: an outcome of the same row, settled below, overrides the mark.
            await _mark_trying(conn, trying)
            if plain:
                # The common case, a plain delivery, is one statement for the whole batch.
                rows = [{"b_id": o.id, "b_message": o.message_id, "b_at": at} for o in plain]
                await conn.execute(_SENT, rows)
            for outcome in rest:
                values: dict[str, Any] = {"state": outcome.state}
                if outcome.error is not None:
                    values["error"] = outcome.error
                if outcome.state == "sent":
                    values |= {"sent_at": at, "message_id": outcome.message_id}
                elif outcome.state == "pending":
                    values |= {"not_before": outcome.retry_at or at, "lease_until": None}
                await conn.execute(update(outbox).where(outbox.c.id == outcome.id).values(values))
                if outcome.escalation is not None and outcome.state != "pending":
                    await _mark_escalation(conn, outcome.escalation, outcome.state == "sent")

    async def settle_as_posted(self) -> int:
        """Mark every unsent row sent at the moment it was due; return how many.

        Only for a desk's played past (the demo's history), whose notices nobody receives:
        a running desk's rows are settled by its sender alone.
        """
        async with self.store.writing(), self.store.engine.begin() as conn:
            done = await conn.execute(
                update(outbox)
                .where(outbox.c.state.in_(UNSENT))
                .values(state="sent", sent_at=outbox.c.not_before, lease_until=None)
            )
            # As the sender records a rung it delivered (_mark_escalation), for every rung.
            await conn.execute(
                update(events)
                .where(events.c.kind == "escalated", events.c.delivered.is_(None))
                .values(delivered=True)
            )
        return done.rowcount

    async def release_leases(self, at: datetime, channel: str | None = None) -> None:
        """Make rows leased by a crashed sender (of one channel, if named) claimable at once."""
        query = update(outbox).where(outbox.c.state.in_(("leased", "sending")))
        if channel is not None:
            query = query.where(outbox.c.channel == channel)
        async with self.store.writing(), self.store.engine.begin() as conn:
            await conn.execute(query.values(lease_until=at))

    async def release_parked(
        self, channel: str, chats: Sequence[str], at: datetime, conn: AsyncConnection | None = None
    ) -> int:
        """Make these chats' postponed rows due at `at` (their person wrote again); return how many.

        Pass `conn` to do it in the transaction that stores their message, and wake the sender
        (store.outbox_posted) once that commits: woken before, it would find nothing yet.
        """
        query = (
            update(outbox)
            .where(outbox.c.channel == channel, outbox.c.chat_id.in_(chats))
            .where(outbox.c.state == "pending", outbox.c.not_before > at)
            .values(not_before=at)
        )
        if conn is not None:
            return int((await conn.execute(query)).rowcount or 0)
        async with self.store.writing(), self.store.engine.begin() as own:
            released = int((await own.execute(query)).rowcount or 0)
        if released:
            self.store.outbox_posted.set()
        return released

    async def backlog(self) -> Backlog:
        """Return the number and age of undelivered rows, and the last error not yet overcome."""
        waiting = outbox.c.state.in_(UNSENT)
        async with self.store.reading() as conn:
            count, oldest = (
                await conn.execute(
                    select(func.count(), func.min(outbox.c.created_at)).where(waiting)
                )
            ).one()
            error = await conn.scalar(
                select(outbox.c.error)
                # A row that went out in the end no longer explains anything that is stuck.
                .where(outbox.c.error.is_not(None), outbox.c.state != "sent")
                .order_by(outbox.c.id.desc())
                .limit(1)
            )
        return Backlog(count, oldest, error)

    async def next_retry_at(self, channel: str | None = None) -> datetime | None:
        """Return when the earliest postponed row (of one channel, if named) becomes due."""
        query = select(func.min(outbox.c.not_before)).where(outbox.c.state == "pending")
        if channel is not None:
            query = query.where(outbox.c.channel == channel)
        async with self.store.reading() as conn:
            earliest: datetime | None = await conn.scalar(query)
        return earliest


async def _readable(conn: AsyncConnection, rows: Sequence[Row[Any]]) -> list[Parcel]:
    """Decode each row on its own; mark the ones this code cannot read failed, with why."""
    parcels = []
    for row in rows:
        try:
            notice = codec.notice_from_row(row)
        except Exception as error:
            # An unknown kind (written by a newer release) or a broken body is the row's own
            # fault: it fails alone, visibly, and never stops the rows after it.
            log.warning("outbox %s is unreadable and failed: %s", row.id, type(error).__name__)
            await conn.execute(
                update(outbox)
                .where(outbox.c.id == row.id)
                .values(
                    state="failed",
                    error=f"unreadable: {type(error).__name__}: {error}"[:2000],
                    attempts=outbox.c.attempts + 1,
                    lease_until=None,
                )
            )
            continue
        parcels.append(Parcel(row.id, notice, row.attempts + 1, row.state == "sending"))
    return parcels


async def _mark_trying(conn: AsyncConnection, ids: Sequence[int]) -> None:
    """Turn leased rows into rows being sent: a crash from now on leaves them in doubt."""
    if ids:
        await conn.execute(
            update(outbox)
            .where(outbox.c.id.in_(ids), outbox.c.state == "leased")
            .values(state="sending")
        )


async def _mark_escalation(conn: AsyncConnection, step: tuple[int, int, str], sent: bool) -> None:
    """Record on the step's event whether its notification reached the person."""
    ticket_id, index, target = step
    await conn.execute(
        update(events)
        .where(events.c.ticket_id == ticket_id, events.c.kind == "escalated")
        .where(events.c.step == index, events.c.target == target, events.c.delivered.is_(None))
        .values(delivered=sent)
    )
