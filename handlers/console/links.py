"""The one-time console link a staff member asks for with /console, on any channel."""

from __future__ import annotations

from desk.people import Staff
from handlers.console.services import ConsoleServices


async def console_link(console: ConsoleServices, staff: Staff) -> str:
    """Issue a one-time login token for a staff member and return the link carrying it."""
    return console.login_url(await console.access.issue_link(staff.id))
