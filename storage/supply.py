"""Supply requests over SQL: orders placed through the desk and how they were answered."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Row, insert, select, update

from desk.supply import OrderLine, RefusalReason, SupplyOutcome, SupplyRequest, brand_key
from storage.tables import supply_requests
from storage.unit import UnitPart


class SqlSupplies(UnitPart):
    """Read and write supply requests on the unit's connection."""

    async def create_supply(self, draft: SupplyRequest) -> SupplyRequest:
        """Insert a supply request and return it with its number."""
        request_id = await self.conn.scalar(
            insert(supply_requests).values(supply_row(draft)).returning(supply_requests.c.id)
        )
        assert request_id is not None
        return draft.evolve(id=request_id)

    async def supply(self, request_id: int) -> SupplyRequest | None:
        """Return a supply request."""
        query = select(supply_requests).where(supply_requests.c.id == request_id)
        row = (await self.conn.execute(query)).first()
        return supply_from_row(row) if row else None

    async def save_supply(self, request: SupplyRequest) -> None:
        """Write how a supply request was answered."""
        await self.conn.execute(
            update(supply_requests)
            .where(supply_requests.c.id == request.id)
            .values(supply_outcome(request))
        )


def supply_from_row(row: Row[Any]) -> SupplyRequest:
    """Rebuild a supply request from its row."""
    m = row._mapping
    return SupplyRequest(
        id=m["id"],
        ticket_id=m["ticket_id"],
        retailer_id=m["retailer_id"],
        manager_id=m["manager_id"],
        line=OrderLine(m["brand"], m["quantity"], m["note"]),
        opened_at=m["opened_at"],
        outcome=SupplyOutcome(m["outcome"]) if m["outcome"] else None,
        expected=date.fromisoformat(m["expected"]) if m["expected"] else None,
        reason=RefusalReason(m["reason"]) if m["reason"] else None,
        answered_by=m["answered_by"],
        answered_at=m["answered_at"],
        outcome_at=m["outcome_at"],
    )


def supply_row(request: SupplyRequest) -> dict[str, Any]:
    """Return the columns of a new supply request."""
    return {
        "ticket_id": request.ticket_id,
        "retailer_id": request.retailer_id,
        "manager_id": request.manager_id,
        "brand": request.line.brand,
        "brand_key": brand_key(request.line.brand),
        "quantity": request.line.quantity,
        "note": request.line.note,
        "opened_at": request.opened_at,
        **supply_outcome(request),
    }


def supply_outcome(request: SupplyRequest) -> dict[str, Any]:
    """Return the columns an answer to a supply request writes."""
    return {
        "outcome": request.outcome.value if request.outcome else None,
        "expected": request.expected.isoformat() if request.expected else None,
        "reason": request.reason.value if request.reason else None,
        "answered_by": request.answered_by,
        "answered_at": request.answered_at,
        "outcome_at": request.outcome_at,
    }
