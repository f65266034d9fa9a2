"""A ticket's whole record for the console: every message, event, notification and rating."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from reports.scope import Scope
from storage.tables import events, messages, outbox, ratings, retailers, tickets


@dataclass(frozen=True)
class Moment:
    """One line of a ticket's timeline: when, what kind, who, and what is known of it."""

    at: datetime
    # "message", "event", "notice" or "rating".
    source: str
    # The message's content kind, the event's kind, the notice's kind; "rating" for a rating.
    kind: str
    who: str | None
    # What else is known, by name: text, or a moment (shown in the desk's timezone).
    details: dict[str, str | datetime] = field(default_factory=dict)
    # A message's own words (shown on the page, never logged).
    text: str = ""


@dataclass(frozen=True)
class TicketRecord:
    """A ticket's header and its timeline, oldest first."""

    id: int
    retailer_id: str
    retailer_name: str
    shop: str
    manager_id: str
    home_manager_id: str
    status: str
    opened_at: datetime
    first_response_at: datetime | None
    acknowledged_at: datetime | None
    eta_until: datetime | None
    resolved_at: datetime | None
    moments: list[Moment]


def _shown(**values: object) -> dict[str, str | datetime]:
    return {
        name: value if isinstance(value, datetime) else str(value)
        for name, value in values.items()
        if value not in (None, "", "{}")
    }


async def ticket_record(conn: AsyncConnection, scope: Scope, ticket_id: int) -> TicketRecord | None:
    """Return a ticket's record, or None when there is none in the viewer's scope."""
    query = (
        select(tickets, retailers.c.name, retailers.c.shop)
        .select_from(tickets.outerjoin(retailers, retailers.c.id == tickets.c.retailer_id))
        .where(tickets.c.id == ticket_id)
    )
    head = (await conn.execute(query)).first()
    # Out of scope reads as absent: the page does not even confirm the ticket exists.
    if head is None or head.manager_id not in scope.manager_ids:
        return None
    moments = [
        Moment(
            row.at,
            "message",
            row.kind,
            row.author_id,
            _shown(retailer="yes" if row.from_retailer else None, channel=row.channel),
            row.text,
        )
        for row in await conn.execute(select(messages).where(messages.c.ticket_id == ticket_id))
    ]
    moments += [
        Moment(
            row.at,
            "event",
            row.kind,
            row.actor,
            _shown(
                target=row.target,
                step=row.step,
                round=row.round,
                seconds=None if row.seconds is None else round(row.seconds),
                delivered=row.delivered,
                detail=row.detail,
            ),
        )
        for row in await conn.execute(select(events).where(events.c.ticket_id == ticket_id))
    ]
    moments += [
        Moment(
            row.created_at,
            "notice",
            row.kind,
            row.recipient_id,
            _shown(
                channel=row.channel,
                state=row.state,
                step=row.step,
                sent_at=row.sent_at,
                attempts=row.attempts or None,
                error=row.error,
            ),
        )
        for row in await conn.execute(select(outbox).where(outbox.c.ticket_id == ticket_id))
    ]
    rating = (await conn.execute(select(ratings).where(ratings.c.ticket_id == ticket_id))).first()
    if rating is not None and rating.rated_at is not None:
        details = _shown(score=rating.score, asked_at=rating.asked_at)
        said = rating.comment or ""
        rater = rating.retailer_id
        moments.append(Moment(rating.rated_at, "rating", "rating", rater, details, said))
    moments.sort(key=lambda m: (m.at, m.source))
    return TicketRecord(
        id=head.id,
        retailer_id=head.retailer_id,
        retailer_name=head.name or head.retailer_id,
        shop=head.shop or "",
        manager_id=head.manager_id,
        home_manager_id=head.home_manager_id,
        status=head.status,
        opened_at=head.opened_at,
        first_response_at=head.first_response_at,
        acknowledged_at=head.acknowledged_at,
        eta_until=head.eta_until,
        resolved_at=head.resolved_at,
        moments=moments,
    )
