"""The one-time console link a staff member asks for with /console, on any channel."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from desk.people import Staff
from handlers.console.services import ConsoleServices

# Sends a staff member their link, straight to them (never through the outbox).
SendLink = Callable[[str], Awaitable[object]]
# Issue a staff member's one-time link and send it (the channels' view of the console).
ConsoleLink = Callable[[Staff, SendLink], Awaitable[None]]


def link_maker(console: ConsoleServices) -> ConsoleLink:
    """Return what issues one-time console links on this console and sends them."""

    async def link(staff: Staff, send: SendLink) -> None:
        url = console.login_url(await console.access.issue_link(staff.id))
        # Telegram's intake issues it inside a group commit: sent before the commit, the link
        # could be opened before its row exists, or after the batch was undone.
        await console.store.after_commit(lambda: send(url))

    return link
