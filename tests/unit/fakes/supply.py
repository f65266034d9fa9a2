"""The Supplies port in memory: supply requests and their outcomes."""

from __future__ import annotations

from dataclasses import replace

from desk.supply import SupplyRequest
from tests.unit.fakes.state import FakePart


class FakeSupplies(FakePart):
    """Supply requests over the fake state."""

    async def create_supply(self, draft: SupplyRequest) -> SupplyRequest:
        """Insert a supply request and number it."""
        self._write()
        request = draft.evolve(id=len(self._s.supply) + 1)
        self._s.supply[request.id] = request
        return request

    async def supply(self, request_id: int) -> SupplyRequest | None:
        """Return a supply request."""
        return self._s.supply.get(request_id)

    async def save_supply(self, request: SupplyRequest) -> None:
        """Write how a supply request was answered; the order itself stays as placed."""
        self._write()
        stored = self._s.supply.get(request.id)
        if stored is not None:
            self._s.supply[request.id] = replace(
                stored,
                outcome=request.outcome,
                expected=request.expected,
                reason=request.reason,
                answered_by=request.answered_by,
                answered_at=request.answered_at,
                outcome_at=request.outcome_at,
            )
