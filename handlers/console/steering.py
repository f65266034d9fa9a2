"""The console's forms as the desk's own commands: Nudge and Reassign."""

from __future__ import annotations

from desk.commands import Nudge, Outcome, Reassign
from desk.service import Desk


class DeskSteering:
    """Nudge and reassign through the desk, so they go through the outbox like any command."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    async def nudge(self, staff_id: str, ticket_id: int) -> Outcome:
        """Remind a ticket's assignee now."""
        return await self.desk.nudge(Nudge(staff_id, ticket_id))

    async def reassign(
        self, staff_id: str, ticket_id: int, manager_id: str, reason: str
    ) -> Outcome:
        """Hand a ticket to another manager, with a reason; the retailer is told."""
        return await self.desk.reassign(Reassign(staff_id, ticket_id, manager_id, reason))
