"""The domain core: people, tickets, the SLA clock and the use cases; no I/O."""

from desk.clock import Clock, SystemClock
from desk.content import Content, ContentKind
from desk.people import Address, Leave, Manager, Retailer, Staff, Supervisor, Team
from desk.policy import EscalationStep, Notify, Policy
from desk.tickets import Event, EventKind, Ticket, TicketMessage, TicketStatus

__all__ = [
    "Address",
    "Clock",
    "Content",
    "ContentKind",
    "EscalationStep",
    "Event",
    "EventKind",
    "Leave",
    "Manager",
    "Notify",
    "Policy",
    "Retailer",
    "Staff",
    "Supervisor",
    "SystemClock",
    "Team",
    "Ticket",
    "TicketMessage",
    "TicketStatus",
]
