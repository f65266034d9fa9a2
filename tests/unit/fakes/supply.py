"""The Supplies port in memory: supply requests and their outcomes."""

from __future__ import annotations

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
        """Write how a supply request was answered."""
        self._write()
        self._s.supply[request.id] = request
