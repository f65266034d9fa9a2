"""The desk's public face: one object the channel adapters call."""

from __future__ import annotations

from dataclasses import dataclass

from desk import answering, asking, delivery, linking, staffing
from desk.commands import Answer, Ask, Away, OnIt, Outcome, Resolve, ShareContact
from desk.context import DeskContext
from desk.people import Address, Retailer, Role, Staff
from desk.staffing import Waiting


@dataclass(frozen=True)
class Someone:
    """Who sent an update, as far as the desk knows."""

    role: Role
    retailer: Retailer | None = None
    staff: Staff | None = None

    @property
    def lang(self) -> str | None:
        """Return the person's stored language, if known."""
        person = self.retailer or self.staff
        return person.lang if person else None


class Desk:
    """Run the use cases against one context."""

    def __init__(self, ctx: DeskContext) -> None:
        self.ctx = ctx

    async def who(self, address: Address) -> Someone:
        """Tell whether a chat belongs to staff, a linked retailer, or a stranger."""
        staff = self.ctx.team.by_telegram(address.chat_id)
        if staff is not None:
            role = Role.MANAGER if staff.id in self.ctx.team.managers else Role.SUPERVISOR
            return Someone(role, staff=staff)
        async with self.ctx.store.peek() as ledger:
            retailer = await ledger.retailer_at(address)
        return Someone(Role.RETAILER, retailer=retailer) if retailer else Someone(Role.STRANGER)

    async def ask(self, cmd: Ask) -> Outcome:
        """Take a retailer's message."""
        return await asking.ask(self.ctx, cmd)

    async def answer(self, cmd: Answer) -> Outcome:
        """Relay a staff answer."""
        return await answering.answer(self.ctx, cmd)

    async def may_act(self, staff_id: str, ticket_id: int) -> Outcome:
        """Check a button press against the ticket's manager before offering more."""
        return await answering.may_act(self.ctx, staff_id, ticket_id)

    async def on_it(self, cmd: OnIt) -> Outcome:
        """Record an 'on it' promise."""
        return await answering.on_it(self.ctx, cmd)

    async def resolve(self, cmd: Resolve) -> Outcome:
        """Close a ticket."""
        return await answering.resolve(self.ctx, cmd)

    async def share_contact(self, cmd: ShareContact) -> Outcome:
        """Link a retailer by phone."""
        return await linking.share_contact(self.ctx, cmd)

    async def queue(self, staff_id: str) -> list[Waiting]:
        """List a manager's open tickets."""
        return await staffing.queue(self.ctx, staff_id)

    async def go_away(self, cmd: Away) -> Outcome:
        """Start a leave."""
        return await staffing.go_away(self.ctx, cmd)

    async def come_back(self, manager_id: str) -> Outcome:
        """End a leave."""
        return await staffing.come_back(self.ctx, manager_id)

    async def unreachable(self, ticket_id: int, staff_id: str, step: int | None) -> None:
        """Handle an undeliverable staff notification."""
        await delivery.unreachable(self.ctx, ticket_id, staff_id, step)
