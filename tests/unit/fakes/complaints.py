"""The Complaints port in memory: complaints, their conversations, and held messages."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from desk.complaints import Complaint, ComplaintMessage
from desk.content import HeldMessage
from tests.unit.fakes.state import FakePart

# What a complaint is opened with; saving writes its state, as the SQL store's UPDATE does.
OPENED_WITH = ("retailer_id", "manager_id", "supervisor_id", "opened_at", "policy")


class FakeComplaints(FakePart):
    """Complaints and held messages over the fake state."""

    async def create_complaint(self, draft: Complaint) -> Complaint:
        """Insert a complaint and number it."""
        self._write()
        complaint = draft.evolve(id=len(self._s.complaints) + 1)
        self._s.complaints[complaint.id] = complaint
        return complaint

    async def complaint(self, complaint_id: int) -> Complaint | None:
        """Return a complaint."""
        return self._s.complaints.get(complaint_id)

    async def open_complaint_of(self, retailer_id: str) -> Complaint | None:
        """Return the retailer's open complaint."""
        mine = [
            c for c in self._s.complaints.values() if c.retailer_id == retailer_id and c.is_open
        ]
        return max(mine, key=lambda c: c.id, default=None)

    async def save_complaint(self, complaint: Complaint) -> None:
        """Write a complaint's changed state."""
        self._write()
        stored = self._s.complaints.get(complaint.id)
        if stored is not None:
            kept = {name: getattr(stored, name) for name in OPENED_WITH}
            self._s.complaints[complaint.id] = replace(complaint, **kept)

    async def add_complaint_message(self, message: ComplaintMessage) -> None:
        """Append a message to a complaint."""
        self._write()
        self._s.complaint_messages.append(message)

    async def complaint_messages(
        self, complaint_id: int, since: datetime
    ) -> list[ComplaintMessage]:
        """Return the retailer's messages of a complaint since a moment."""
        return [
            m
            for m in self._s.complaint_messages
            if m.complaint_id == complaint_id and m.from_retailer and m.at >= since
        ]

    async def due_complaints(self, now: datetime, limit: int) -> list[Complaint]:
        """Return complaints whose reminder is due."""
        self._write()
        due = [c for c in self._s.complaints.values() if c.next_due_at and c.next_due_at <= now]
        return sorted(due, key=lambda c: (c.next_due_at or now, c.id))[:limit]

    async def earliest_complaint_due(self) -> datetime | None:
        """Return when the next complaint reminder falls due."""
        times = [c.next_due_at for c in self._s.complaints.values() if c.next_due_at]
        return min(times, default=None)

    async def hold(self, message: HeldMessage) -> None:
        """Keep a retailer's message back."""
        self._write()
        self._s.held.append(message)

    async def held_messages(self, retailer_id: str) -> list[HeldMessage]:
        """Return the retailer's held messages, oldest first."""
        return [m for m in self._s.held if m.retailer_id == retailer_id]

    async def release_held(self, retailer_id: str) -> None:
        """Forget the retailer's held messages."""
        self._write()
        self._s.held = [m for m in self._s.held if m.retailer_id != retailer_id]
