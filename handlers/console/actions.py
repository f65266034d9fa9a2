"""The console's forms that act: nudge a ticket's assignee, reassign a ticket."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from desk.commands import Outcome
from handlers.console.doors import Doors
from handlers.console.rendering import Pages
from handlers.console.security import PREFIX, same_secret

log = logging.getLogger(__name__)

# Past this the desk refuses a reason anyway; a longer post is cut rather than carried whole.
REASON_LIMIT = 1000


class Actions:
    """Turn a posted form into a desk command, then go back to the page that says how it went."""

    def __init__(self, pages: Pages, doors: Doors) -> None:
        self.pages = pages
        self.doors = doors
        self.console = pages.console

    async def nudge(self, request: Request) -> Response:
        """Remind a ticket's assignee now."""
        return await self._act(request, "nudged")

    async def reassign(self, request: Request) -> Response:
        """Hand a ticket to another manager in the viewer's scope, with a reason."""
        return await self._act(request, "reassigned")

    async def _act(self, request: Request, done: str) -> Response:
        viewer = await self.doors.viewer(request)
        if viewer is None:
            return RedirectResponse(PREFIX, status_code=303)
        form = await request.form()
        if not same_secret(form.get("csrf"), viewer.session.csrf):
            return self.pages.render("message.html", viewer.lang, status=403, key="csrf")
        steering = self.console.steering
        ticket_id: int = request.path_params["ticket"]
        if steering is None:
            outcome = Outcome.NOT_A_TICKET
        elif done == "nudged":
            outcome = await steering.nudge(viewer.staff.id, ticket_id)
        else:
            manager = str(form.get("manager_id", ""))
            reason = str(form.get("reason", "")).strip()[:REASON_LIMIT]
            if manager not in viewer.scope.manager_ids:
                outcome = Outcome.NOT_YOURS
            else:
                outcome = await steering.reassign(viewer.staff.id, ticket_id, manager, reason)
        log.info("console: %s %s ticket %d: %s", viewer.staff.id, done, ticket_id, outcome.value)
        said = done if outcome is Outcome.DONE else "refused"
        return RedirectResponse(f"{PREFIX}?done={said}&ticket={ticket_id}", status_code=303)
