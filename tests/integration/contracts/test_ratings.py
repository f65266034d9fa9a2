"""The Ratings contract: the fake and the SQL store keep a ticket's rating alike."""

from __future__ import annotations

from datetime import timedelta

from desk.policy import Policy
from desk.ratings import Rating
from desk.tickets import Ticket
from tests.integration.contracts.conftest import T0, Backend


async def tickets(backend: Backend, count: int) -> list[Ticket]:
    """Open tickets for ratings to refer to."""
    async with backend.store.transaction() as ledger:
        return [
            await ledger.create_ticket(Ticket(0, "r1", "m1", "m1", T0, Policy(())))
            for _ in range(count)
        ]


async def test_a_rating_is_due_then_asked_then_given_once(backend: Backend) -> None:
    (ticket,) = await tickets(backend, 1)
    rating = Rating(ticket.id, "r1", "m1", due_at=T0 + timedelta(hours=24))
    async with backend.store.transaction() as ledger:
        assert await ledger.rating(ticket.id) is None
        await ledger.save_rating(rating)
    async with backend.store.transaction() as ledger:
        assert await ledger.due_ratings(T0, 10) == []
        assert await ledger.earliest_rating_due() == T0 + timedelta(hours=24)
        (due,) = await ledger.due_ratings(T0 + timedelta(hours=24), 10)
        assert due == rating
        await ledger.save_rating(due.evolve(due_at=None, asked_at=T0 + timedelta(hours=24)))
    async with backend.store.transaction() as ledger:
        assert await ledger.earliest_rating_due() is None
        assert await ledger.due_ratings(T0 + timedelta(days=9), 10) == []
        asked = await ledger.rating(ticket.id)
        assert asked is not None
        await ledger.save_rating(asked.evolve(score=2, comment="态度差", rated_at=T0))
    async with backend.store.peek() as ledger:
        stored = await ledger.rating(ticket.id)
    assert stored == asked.evolve(score=2, comment="态度差", rated_at=T0)


async def test_due_ratings_come_earliest_first_up_to_the_limit(backend: Backend) -> None:
    first, second, third = await tickets(backend, 3)
    async with backend.store.transaction() as ledger:
        for ticket, hours in ((first, 3), (second, 1), (third, 2)):
            await ledger.save_rating(
                Rating(ticket.id, "r1", "m1", due_at=T0 + timedelta(hours=hours))
            )
    async with backend.store.transaction() as ledger:
        due = await ledger.due_ratings(T0 + timedelta(hours=5), 2)
    assert [r.ticket_id for r in due] == [second.id, third.id]
