"""The Tickets contract: the fake and the SQL store keep tickets, messages, events and leaves alike."""

from __future__ import annotations

from datetime import timedelta

import pytest

from desk.complaints import Complaint, ComplaintPolicy
from desk.content import Content, ContentKind
from desk.people import Address, Leave
from desk.policy import EscalationStep, Notify, Policy
from desk.ratings import Rating
from desk.tickets import Event, EventKind, Ticket, TicketMessage, TicketStatus
from tests.integration.contracts.conftest import T0, Backend

POLICY = Policy((EscalationStep(timedelta(minutes=15), Notify.MANAGER),))


def draft(**changes: object) -> Ticket:
    """Return a new ticket of r1's, due in 15 minutes, with some fields changed."""
    base = Ticket(
        0, "r1", "m1", "m1", T0, POLICY, waiting_since=T0, next_due_at=T0 + timedelta(minutes=15)
    )
    return base.evolve(**changes)


def said(
    ticket_id: int, author: str, text: str, chat: str, message: str, minutes: int = 0
) -> TicketMessage:
    """Return a ticket message sent from a chat."""
    content = Content(ContentKind.TEXT, text, Address("telegram", chat), message)
    at = T0 + timedelta(minutes=minutes)
    return TicketMessage(ticket_id, author, author.startswith("r"), content, at)


async def test_a_ticket_round_trips_with_aware_times_and_its_policy(backend: Backend) -> None:
    async with backend.store.transaction() as ledger:
        created = await ledger.create_ticket(draft(off_hours=True))
    async with backend.store.peek() as ledger:
        loaded = await ledger.ticket(created.id)
        missing = await ledger.ticket(created.id + 1)
    assert created.id > 0
    assert loaded == created
    assert missing is None
    assert loaded is not None and loaded.waiting_since is not None
    assert loaded.waiting_since.tzinfo is not None


async def test_a_failed_transaction_leaves_nothing_behind(backend: Backend) -> None:
    with pytest.raises(RuntimeError, match="boom"):
        async with backend.store.transaction() as ledger:
            created = await ledger.create_ticket(draft())
            await ledger.record(Event(created.id, EventKind.ASKED, T0))
            raise RuntimeError("boom")
    async with backend.store.peek() as ledger:
        assert await ledger.open_ticket_of("r1") is None
        assert await ledger.earliest_due() is None


async def test_a_peek_does_not_see_into_an_open_transaction(backend: Backend) -> None:
    async with backend.store.transaction() as writer:
        created = await writer.create_ticket(draft())
        async with backend.store.peek() as reader:
            assert await reader.ticket(created.id) is None
    async with backend.store.peek() as reader:
        assert await reader.ticket(created.id) == created


async def test_the_open_ticket_is_the_newest_open_one(backend: Backend) -> None:
    async with backend.store.transaction() as ledger:
        first = await ledger.create_ticket(draft())
        second = await ledger.create_ticket(draft(opened_at=T0 + timedelta(minutes=1)))
        await ledger.create_ticket(draft(retailer_id="r2", manager_id="m2"))
    async with backend.store.transaction() as ledger:
        newest = await ledger.open_ticket_of("r1")
        await ledger.save_ticket(second.evolve(status=TicketStatus.RESOLVED, resolved_at=T0))
    async with backend.store.peek() as ledger:
        after_resolving = await ledger.open_ticket_of("r1")
        nobody = await ledger.open_ticket_of("r9")
    assert newest == second
    assert after_resolving == first
    assert nobody is None


async def test_saving_writes_a_tickets_state_and_never_who_it_is_for(backend: Backend) -> None:
    async with backend.store.transaction() as ledger:
        created = await ledger.create_ticket(draft())
    moved = created.evolve(
        manager_id="m2", round=2, last_step=1, eta_until=T0 + timedelta(hours=1), hurry_at=T0
    )
    async with backend.store.transaction() as ledger:
        await ledger.save_ticket(moved)
        # Like an UPDATE, saving a ticket that was never created creates nothing.
        await ledger.save_ticket(moved.evolve(id=created.id + 100))
    async with backend.store.peek() as ledger:
        stored = await ledger.ticket(created.id)
        ghost = await ledger.ticket(created.id + 100)
    assert stored == moved.evolve(manager_id="m1")
    assert ghost is None


async def test_a_managers_open_tickets_come_oldest_first(backend: Backend) -> None:
    async with backend.store.transaction() as ledger:
        later = await ledger.create_ticket(draft(opened_at=T0 + timedelta(minutes=5)))
        earlier = await ledger.create_ticket(draft(retailer_id="r2", opened_at=T0))
        closed = await ledger.create_ticket(draft(opened_at=T0 - timedelta(hours=1)))
        await ledger.save_ticket(closed.evolve(status=TicketStatus.RESOLVED))
        await ledger.create_ticket(draft(manager_id="m2"))
    async with backend.store.peek() as ledger:
        mine = await ledger.open_tickets_of("m1")
    assert [t.id for t in mine] == [earlier.id, later.id]


async def test_waiting_messages_are_the_retailers_since_a_moment(backend: Backend) -> None:
    async with backend.store.transaction() as ledger:
        ticket = await ledger.create_ticket(draft())
        other = await ledger.create_ticket(draft(retailer_id="r2"))
        before = said(ticket.id, "r1", "早", "9001", "1", minutes=-1)
        asked = said(ticket.id, "r1", "烟怎么防潮？", "9001", "7")
        answer = said(ticket.id, "m1", "放除湿盒", "5001", "8", minutes=1)
        again = said(ticket.id, "r1", "好的", "9001", "9", minutes=2)
        for message in (before, asked, answer, again, said(other.id, "r2", "?", "9002", "1")):
            await ledger.add_message(message)
        # Read in the same unit of work: what was added is there.
        during = await ledger.waiting_messages(ticket.id, T0)
    async with backend.store.peek() as ledger:
        after = await ledger.waiting_messages(ticket.id, T0)
        whole = await ledger.conversation(ticket.id)
    assert during == after == [asked, again]
    assert whole == [before, asked, answer, again]


async def test_a_staff_answer_is_found_by_its_own_chat_and_message(backend: Backend) -> None:
    async with backend.store.transaction() as ledger:
        ticket = await ledger.create_ticket(draft())
        asked = said(ticket.id, "r1", "烟怎么防潮？", "9001", "7")
        answer = said(ticket.id, "m1", "放除湿盒", "5001", "8")
        await ledger.add_message(asked)
        await ledger.add_message(answer)
        assert await ledger.staff_message(Address("telegram", "5001"), "8") == answer
    async with backend.store.peek() as ledger:
        assert await ledger.staff_message(Address("telegram", "5001"), "8") == answer
        # A retailer's message is no staff answer, and a chat is told apart by its channel.
        assert await ledger.staff_message(Address("telegram", "9001"), "7") is None
        assert await ledger.staff_message(Address("wecom", "5001"), "8") is None


async def test_due_tickets_come_most_overdue_first_up_to_the_limit(backend: Backend) -> None:
    async with backend.store.transaction() as ledger:
        late = await ledger.create_ticket(draft(next_due_at=T0 + timedelta(minutes=2)))
        soon = await ledger.create_ticket(draft(next_due_at=T0 + timedelta(minutes=1)))
        await ledger.create_ticket(draft(retailer_id="r2", next_due_at=T0 + timedelta(minutes=9)))
        await ledger.create_ticket(draft(retailer_id="r2", next_due_at=None))
    async with backend.store.transaction() as ledger:
        earliest = await ledger.earliest_due()
        due = await ledger.due_tickets(T0 + timedelta(minutes=5), 10)
    async with backend.store.transaction() as ledger:
        first = await ledger.due_tickets(T0 + timedelta(minutes=5), 1)
    assert earliest == T0 + timedelta(minutes=1)
    assert [t.id for t in due] == [soon.id, late.id]
    assert [t.id for t in first] == [soon.id]


async def test_the_earliest_wakeup_is_a_step_a_complaint_or_a_rating(backend: Backend) -> None:
    async with backend.store.peek() as ledger:
        assert await ledger.earliest_wakeup() is None
    async with backend.store.transaction() as ledger:
        ticket = await ledger.create_ticket(draft(next_due_at=T0 + timedelta(hours=3)))
        complaint = await ledger.create_complaint(
            Complaint(0, "r1", "m1", "s1", T0, ComplaintPolicy())
        )
        await ledger.save_complaint(complaint.evolve(next_due_at=T0 + timedelta(hours=2)))
        await ledger.save_rating(Rating(ticket.id, "r1", "m1", due_at=T0 + timedelta(hours=1)))
    async with backend.store.peek() as ledger:
        rating_first = await ledger.earliest_wakeup()
    async with backend.store.transaction() as ledger:
        # A rating already asked for is not waited for.
        asked = Rating(ticket.id, "r1", "m1", due_at=T0 + timedelta(hours=1), asked_at=T0)
        await ledger.save_rating(asked)
    async with backend.store.peek() as ledger:
        complaint_first = await ledger.earliest_wakeup()
    assert rating_first == T0 + timedelta(hours=1)
    assert complaint_first == T0 + timedelta(hours=2)


async def test_a_leave_is_in_force_until_it_ends(backend: Backend) -> None:
    async with backend.store.transaction() as ledger:
        await ledger.start_leave(Leave("m1", "m3", T0 + timedelta(days=1), T0))
        # A new leave replaces the earlier one.
        await ledger.start_leave(Leave("m1", "m2", T0 + timedelta(days=2), T0))
    async with backend.store.transaction() as ledger:
        leave = await ledger.leave_of("m1", T0 + timedelta(days=1))
        expired = await ledger.leave_of("m1", T0 + timedelta(days=3))
        nobody = await ledger.leave_of("m2", T0)
        ended = await ledger.end_leave("m1", T0)
        ended_again = await ledger.end_leave("m1", T0)
    assert leave == Leave("m1", "m2", T0 + timedelta(days=2), T0)
    assert (expired, nobody) == (None, None)
    assert (ended, ended_again) == (True, False)


async def test_notified_is_who_the_ticket_was_escalated_to_first_time_first(
    backend: Backend,
) -> None:
    async with backend.store.transaction() as ledger:
        ticket = await ledger.create_ticket(draft())
        other = await ledger.create_ticket(draft(retailer_id="r2"))
        early = T0 - timedelta(minutes=1)
        await ledger.record(Event(ticket.id, EventKind.ESCALATED, early, target="m9", step=1))
        await ledger.record(Event(ticket.id, EventKind.ESCALATED, T0, target="m2", step=1))
        await ledger.record(Event(ticket.id, EventKind.ESCALATED, T0, target="m2", step=2))
        await ledger.record(Event(ticket.id, EventKind.ASKED, T0, target="m7"))
        await ledger.record(Event(ticket.id, EventKind.ESCALATED, T0, target="s1", step=3))
        await ledger.record(Event(other.id, EventKind.ESCALATED, T0, target="m5", step=1))
    async with backend.store.peek() as ledger:
        notified = await ledger.notified(ticket.id, T0)
    assert notified == ["m2", "s1"]


async def test_assigning_moves_the_ticket_to_the_new_managers_queue(backend: Backend) -> None:
    async with backend.store.transaction() as ledger:
        created = await ledger.create_ticket(draft())
        # Handed over in the unit that opened it, before its row was written.
        fresh = await ledger.create_ticket(draft(retailer_id="r2", opened_at=T0))
        await ledger.assign(fresh, "m3")
    async with backend.store.transaction() as ledger:
        ticket = await ledger.ticket(created.id)
        assert ticket is not None
        given = await ledger.assign(ticket, "m2")
        # The retailer's open ticket, read in the same unit, is the reassigned one.
        again = await ledger.open_ticket_of("r1")
    async with backend.store.peek() as ledger:
        stored = await ledger.ticket(created.id)
        theirs = await ledger.open_tickets_of("m2")
        mine = await ledger.open_tickets_of("m1")
        third = await ledger.ticket(fresh.id)
    assert given == created.evolve(manager_id="m2")
    assert again == given
    assert stored == given
    assert stored is not None and stored.home_manager_id == "m1"
    assert [t.id for t in theirs] == [created.id]
    assert mine == []
    assert third is not None and (third.manager_id, third.home_manager_id) == ("m3", "m1")


async def test_where_the_ladder_restarts_is_kept(backend: Backend) -> None:
    async with backend.store.transaction() as ledger:
        created = await ledger.create_ticket(draft())
        restarted = created.evolve(reassigned_at=T0 + timedelta(minutes=40))
        await ledger.save_ticket(restarted)
    async with backend.store.peek() as ledger:
        stored = await ledger.ticket(created.id)
    assert stored == restarted
    assert stored is not None and stored.reassigned_at is not None
    assert stored.reassigned_at.tzinfo is not None


async def test_the_managers_a_ticket_was_taken_from_come_first_first(backend: Backend) -> None:
    async with backend.store.transaction() as ledger:
        ticket = await ledger.create_ticket(draft())
        other = await ledger.create_ticket(draft(retailer_id="r2"))
        for moment, taken_from, given_to in ((1, "m1", "m2"), (2, "m2", "m1"), (3, "m1", "m3")):
            detail = {"from": taken_from, "reason": "太忙"}
            at = T0 + timedelta(minutes=moment)
            await ledger.record(
                Event(ticket.id, EventKind.REASSIGNED, at, "s1", given_to, detail=detail)
            )
        await ledger.record(Event(other.id, EventKind.HANDOVER, T0, "m2", "m4"))
        # Read in the unit that recorded them.
        seen_inside = await ledger.reassigned_from(ticket.id)
    async with backend.store.peek() as ledger:
        taken = await ledger.reassigned_from(ticket.id)
        never = await ledger.reassigned_from(other.id)
    assert seen_inside == taken == ["m1", "m2"]
    assert never == []
