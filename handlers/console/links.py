"""The one-time console link a staff member asks for with /console, on any channel."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from desk.people import Staff
from handlers.console.services import ConsoleServices

# Issue a staff member's one-time link and return it (the channels' view of the console).
ConsoleLink = Callable[[Staff], Awaitable[str]]


def link_maker(console: ConsoleServices) -> ConsoleLink:
    """Return what issues one-time console links on this console."""

    async def link(staff: Staff) -> str:
        return console.login_url(await console.access.issue_link(staff.id))

    return link
