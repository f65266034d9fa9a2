"""The checks that open most use cases: applied once, by whom, on which ticket."""

from __future__ import annotations

from desk.commands import Inbound, Outcome
from desk.people import Address, Retailer
from desk.ports import Ledger, Notices
from desk.tickets import Ticket


async def first_time(ledger: Notices, source: Inbound | None) -> bool:
    """Say whether an inbound update is being applied for the first time."""
    return source is None or await ledger.settle(source.channel, source.update_id)


async def retailer_turn(
    ledger: Ledger, source: Inbound | None, address: Address
) -> Retailer | Outcome:
    """Return the retailer behind a new update, or why there is nothing to do."""
    if not await first_time(ledger, source):
        return Outcome.REPEATED
    retailer = await ledger.retailer_at(address)
    return retailer if retailer is not None else Outcome.UNKNOWN_SENDER


async def managers_turn(
    ledger: Ledger, source: Inbound | None, ticket_id: int, staff_id: str
) -> Ticket | Outcome:
    """Return the open ticket a manager acts on, or why they may not."""
    if not await first_time(ledger, source):
        return Outcome.REPEATED
    ticket = await ledger.ticket(ticket_id)
    if ticket is None:
        return Outcome.NOT_A_TICKET
    if ticket.manager_id != staff_id:
        return Outcome.NOT_YOURS
    return ticket if ticket.is_open else Outcome.CLOSED
