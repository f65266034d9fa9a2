"""The desk's public face: one object the channel adapters call."""

from __future__ import annotations

from dataclasses import dataclass

from desk import (
    answering,
    asking,
    complaining,
    conversation,
    delivery,
    feedback,
    guiding,
    languages,
    linking,
    ordering,
    prompts,
    staffing,
    supervising,
)
from desk.commands import (
    Answer,
    AnswerComplaint,
    AnswerTicket,
    Ask,
    Away,
    MoveLink,
    Nudge,
    OnIt,
    Outcome,
    Reassign,
    Resolve,
    ShareContact,
)
from desk.complaining import CloseComplaint, Complain
from desk.context import DeskContext
from desk.conversation import BackToManager, Choose, Receive
from desk.feedback import Comment, Rate
from desk.guide import Library
from desk.guiding import Decide, SaveDraft
from desk.notices import Notice
from desk.ordering import Order, SupplyAnswer
from desk.people import Address, Retailer, Role, Staff
from desk.prompts import Expect
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
        staff = self.ctx.team.by_contact(address)
        async with self.ctx.store.peek() as ledger:
            if staff is not None:
                role = Role.MANAGER if staff.id in self.ctx.team.managers else Role.SUPERVISOR
                return Someone(role, staff=await languages.as_picked(ledger, staff))
            retailer = await ledger.retailer_at(address)
        return Someone(Role.RETAILER, retailer=retailer) if retailer else Someone(Role.STRANGER)

    async def ask(self, cmd: Ask) -> Outcome:
        """Take a retailer's message as a question to their manager."""
        return await asking.ask(self.ctx, cmd)

    async def receive(self, cmd: Receive) -> Outcome:
        """Take a retailer's message where it belongs; suggest guides for a plain question."""
        outcome = await conversation.receive(self.ctx, cmd)
        if outcome is Outcome.DONE and cmd.content.text:
            # The question is with the manager already; the library may help in the meantime.
            await guiding.suggest(self.ctx, cmd.address, cmd.content.text)
        return outcome

    async def choose(self, cmd: Choose) -> Outcome:
        """Send a retailer's held messages where they chose."""
        return await conversation.choose(self.ctx, cmd)

    async def back_to_manager(self, cmd: BackToManager) -> Outcome:
        """End a retailer's confidential conversation with the supervisor."""
        return await conversation.leave(self.ctx, cmd)

    async def answer(self, cmd: Answer) -> Outcome:
        """Relay a staff answer given as a reply."""
        return await answering.answer(self.ctx, cmd)

    async def answer_ticket(self, cmd: AnswerTicket) -> Outcome:
        """Relay a staff answer given by ticket number."""
        return await answering.answer_ticket(self.ctx, cmd)

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

    async def move_link(self, cmd: MoveLink) -> Outcome:
        """Move a retailer's link to the chat that claimed it, as their manager confirms."""
        return await linking.move_link(self.ctx, cmd)

    async def queue(self, staff_id: str) -> list[Waiting]:
        """List a manager's open tickets."""
        return await staffing.queue(self.ctx, staff_id)

    async def go_away(self, cmd: Away) -> Outcome:
        """Start a leave."""
        return await staffing.go_away(self.ctx, cmd)

    async def come_back(self, manager_id: str) -> Outcome:
        """End a leave."""
        return await staffing.come_back(self.ctx, manager_id)

    async def nudge(self, cmd: Nudge) -> Outcome:
        """Remind a waiting ticket's manager now, for their supervisor."""
        return await supervising.nudge(self.ctx, cmd)

    async def reassign(self, cmd: Reassign) -> Outcome:
        """Hand a waiting ticket to another manager of the supervisor's team."""
        return await supervising.reassign(self.ctx, cmd)

    async def unreachable(self, ticket_id: int, staff_id: str, step: int | None) -> None:
        """Handle an undeliverable staff notification."""
        await delivery.unreachable(self.ctx, ticket_id, staff_id, step)

    async def held(self, notice: Notice, *, taken: bool = False) -> None:
        """Tell the staff member at once that a message to a retailer waits for delivery."""
        await delivery.held(self.ctx, notice, taken=taken)

    async def expect(self, cmd: Expect) -> Outcome:
        """Take a retailer's next message as a complaint, an order or a comment."""
        return await prompts.expect(self.ctx, cmd)

    async def cancel_expectation(self, address: Address) -> Outcome:
        """Take the retailer's next message as an ordinary question again."""
        return await prompts.cancel(self.ctx, address)

    async def complain(self, cmd: Complain) -> Outcome:
        """Take a confidential complaint to the supervisor."""
        return await complaining.complain(self.ctx, cmd)

    async def answer_complaint(self, cmd: Answer) -> Outcome:
        """Relay a supervisor's reply to a complaint; NOT_A_TICKET for other replies."""
        return await complaining.answer_complaint(self.ctx, cmd)

    async def answer_complaint_by_number(self, cmd: AnswerComplaint) -> Outcome:
        """Relay a supervisor's answer to a complaint named by its number."""
        return await complaining.answer_complaint_by_number(self.ctx, cmd)

    async def close_complaint(self, cmd: CloseComplaint) -> Outcome:
        """Close a complaint."""
        return await complaining.close_complaint(self.ctx, cmd)

    async def order(self, cmd: Order) -> Outcome:
        """Take a supply request."""
        return await ordering.order(self.ctx, cmd)

    async def may_answer_supply(self, staff_id: str, request_id: int) -> Outcome:
        """Check an order's button press before offering more choices."""
        return await ordering.may_answer(self.ctx, staff_id, request_id)

    async def answer_supply(self, cmd: SupplyAnswer) -> Outcome:
        """Record how an order ends."""
        return await ordering.answer_supply(self.ctx, cmd)

    async def rate(self, cmd: Rate) -> Outcome:
        """Store a retailer's score."""
        return await feedback.rate(self.ctx, cmd)

    async def want_comment(self, address: Address, ticket_id: int) -> Outcome:
        """Take the retailer's next message as the comment on their score."""
        return await feedback.want_comment(self.ctx, address, ticket_id)

    async def comment(self, cmd: Comment) -> Outcome:
        """Store the comment on a score."""
        return await feedback.comment(self.ctx, cmd)

    async def library(self) -> Library:
        """Return the guidance library as retailers read it now."""
        return await self.ctx.guide.current(self.ctx.store, self.ctx.clock.now())

    async def suggest(self, address: Address, question: str) -> int:
        """Show a waiting retailer the library entries that fit their question."""
        return await guiding.suggest(self.ctx, address, question)

    async def save_draft(self, cmd: SaveDraft) -> Outcome:
        """Save a staff answer as a library draft."""
        return await guiding.save_draft(self.ctx, cmd)

    async def decide_draft(self, cmd: Decide) -> Outcome:
        """Approve or reject a library draft."""
        return await guiding.decide(self.ctx, cmd)

    async def choose_lang(self, address: Address, lang: str) -> Outcome:
        """Switch someone to the language they picked."""
        return await languages.choose(self.ctx, address, lang)

    async def follow_app_lang(self, address: Address, lang: str) -> bool:
        """Follow the chat app's language for a retailer who never picked one."""
        return await languages.follow_app(self.ctx, address, lang)
