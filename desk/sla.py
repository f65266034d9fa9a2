"""The SLA clock: when the next escalation step of a ticket falls due."""

from __future__ import annotations

from datetime import datetime

from desk.tickets import Ticket


def next_due(ticket: Ticket) -> datetime | None:
    """Return when the ticket next needs the ladder, or None when nothing waits."""
    if not ticket.is_open or ticket.waiting_since is None:
        return None
    steps = ticket.policy.steps
    upcoming = ticket.last_step + 1
    due: datetime | None
    # A reassignment restarts the rungs for the new manager; the retailer's wait, and so every
    # figure, still counts from waiting_since.
    start = ticket.waiting_since
    if ticket.reassigned_at is not None and ticket.reassigned_at > start:
        start = ticket.reassigned_at
    if upcoming < len(steps):
        due = start + steps[upcoming].after
    elif ticket.policy.repeat_last_every and ticket.last_fired_at:
        due = ticket.last_fired_at + ticket.policy.repeat_last_every
    else:
        due = None
    if ticket.eta_until is not None:
        # A promised answer pauses the ladder; its expiry is itself due, to count the broken ETA.
        due = ticket.eta_until if due is None else max(due, ticket.eta_until)
    # Hurrying skips to the next rung; a repeating last rung keeps its own pace.
    if ticket.hurry_at is not None and due is not None and upcoming < len(steps):
        due = min(due, ticket.hurry_at)
    return due


def with_due(ticket: Ticket) -> Ticket:
    """Return the ticket with next_due_at recomputed."""
    return ticket.evolve(next_due_at=next_due(ticket))
