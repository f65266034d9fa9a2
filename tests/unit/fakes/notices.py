"""The Notices port in memory: updates settled, the outbox, and summaries claimed."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from datetime import datetime

from desk.notices import Notice, NoticeKind, Queued
from desk.people import Address
from tests.unit.fakes.state import FakePart, Posted

COMPLAINT_KINDS = {
    NoticeKind.COMPLAINT_ACK,
    NoticeKind.COMPLAINT,
    NoticeKind.COMPLAINT_NUDGE,
    NoticeKind.COMPLAINT_REPLY,
    NoticeKind.COMPLAINT_END,
}


class FakeNotices(FakePart):
    """The inbox's settled updates, the outbox and claimed summaries over the fake state."""

    async def settle(self, channel: str, update_id: int) -> bool:
        """Mark an inbound update handled; False when it was handled before."""
        self._write()
        key = (channel, update_id)
        if key in self._s.settled:
            return False
        self._s.settled.add(key)
        return True

    async def post(self, notice: Notice, not_before: datetime | None = None) -> None:
        """Queue a message in the outbox, held until `not_before` when given."""
        self._write()
        at = self._clock.now() if self._clock else None
        held = max(not_before, at) if not_before and at else not_before or at
        picked = self._s.staff_langs.get(notice.to, notice.lang)
        self._s.outbox.append(Posted(replace(notice, lang=picked), at=at, not_before=held))

    async def last_notice(
        self, ticket_id: int, to: str, kinds: Collection[NoticeKind]
    ) -> Queued | None:
        """Return the newest notice of these kinds about a ticket to one person."""
        for row_id in reversed(range(len(self._s.outbox))):
            posted = self._s.outbox[row_id]
            notice = posted.notice
            if notice.ticket_id == ticket_id and notice.to == to and notice.kind in kinds:
                assert posted.not_before is not None, "give the FakeStore a clock"
                sent_at = posted.not_before if posted.message_id is not None else None
                return Queued(row_id, notice, posted.not_before, sent_at, posted.message_id is None)
        return None

    async def amend(self, queued: Queued, notice: Notice) -> bool:
        """Rewrite a notice not delivered yet; False once it was."""
        self._write()
        posted = self._s.outbox[queued.id]
        if posted.message_id is not None:
            return False
        self._s.outbox[queued.id] = replace(posted, notice=notice)
        return True

    async def ticket_of_message(self, address: Address, message_id: str) -> int | None:
        """Return the ticket of a delivered message, keyed on chat and message id together."""
        found = self._delivered(address, message_id)
        return found.ticket_id if found else None

    async def notice_of_message(self, address: Address, message_id: str) -> Notice | None:
        """Return the notice a delivered message in this chat carried."""
        return self._delivered(address, message_id)

    async def complaint_of_message(self, address: Address, message_id: str) -> int | None:
        """Return the complaint a delivered bot message belongs to."""
        found = self._delivered(address, message_id)
        if found is None or found.kind not in COMPLAINT_KINDS:
            return None
        return int(found.params["complaint"])

    def _delivered(self, address: Address, message_id: str) -> Notice | None:
        return next(
            (
                p.notice
                for p in self._s.outbox
                if p.notice.address == address and p.message_id == message_id
            ),
            None,
        )

    async def claim_report(self, week: str, supervisor_id: str, at: datetime) -> bool:
        """Reserve a week's summary for a supervisor; False when it was already claimed."""
        self._write()
        key = (week, supervisor_id)
        if key in self._s.reports:
            return False
        self._s.reports[key] = at
        return True

    async def report_claimed(self, week: str, supervisor_id: str) -> bool:
        """Tell whether a week's summary for a supervisor was claimed."""
        return (week, supervisor_id) in self._s.reports

    async def in_service_since(self) -> datetime | None:
        """Return when the first ticket was opened or summary claimed (the fake has no inbox)."""
        opened = [t.opened_at for t in self._s.tickets.values()]
        return min([*opened, *self._s.reports.values()], default=None)
