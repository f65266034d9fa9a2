"""The Supplies contract: the fake and the SQL store keep supply requests alike."""

from __future__ import annotations

from datetime import date

from desk.policy import Policy
from desk.supply import OrderLine, RefusalReason, SupplyOutcome, SupplyRequest
from desk.tickets import Ticket
from tests.integration.contracts.conftest import T0, Backend

LINE = OrderLine("软中华", "2条", "明早送")


async def a_request(backend: Backend) -> SupplyRequest:
    """Open a ticket and a supply request on it."""
    async with backend.store.transaction() as ledger:
        ticket = await ledger.create_ticket(Ticket(0, "r1", "m1", "m1", T0, Policy(())))
        return await ledger.create_supply(SupplyRequest(0, ticket.id, "r1", "m1", LINE, T0))


async def test_a_supply_request_keeps_its_outcome(backend: Backend) -> None:
    request = await a_request(backend)
    answered = request.evolve(
        outcome=SupplyOutcome.OUT_OF_STOCK,
        expected=date(2026, 11, 29),
        answered_by="m1",
        answered_at=T0,
        outcome_at=T0,
    )
    async with backend.store.transaction() as ledger:
        assert await ledger.supply(request.id) == request
        await ledger.save_supply(answered)
    async with backend.store.peek() as ledger:
        assert await ledger.supply(request.id) == answered
        assert await ledger.supply(request.id + 1) is None
    refused = answered.evolve(
        outcome=SupplyOutcome.REFUSED, expected=None, reason=RefusalReason.QUOTA
    )
    async with backend.store.transaction() as ledger:
        await ledger.save_supply(refused)
    async with backend.store.peek() as ledger:
        assert await ledger.supply(request.id) == refused


async def test_saving_writes_the_answer_and_never_the_order(backend: Backend) -> None:
    request = await a_request(backend)
    changed = request.evolve(line=OrderLine("玉溪", "1条", ""), outcome=SupplyOutcome.FULFILLED)
    async with backend.store.transaction() as ledger:
        await ledger.save_supply(changed)
        # Like an UPDATE, saving a request that was never created creates nothing.
        await ledger.save_supply(changed.evolve(id=request.id + 100))
    async with backend.store.peek() as ledger:
        stored = await ledger.supply(request.id)
        ghost = await ledger.supply(request.id + 100)
    assert stored == request.evolve(outcome=SupplyOutcome.FULFILLED)
    assert ghost is None
