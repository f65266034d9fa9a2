"""The console's pages: the live page and its refreshed fragment, ticket lists, a ticket."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response

from handlers.console.board import BOUNDS, Sort, board_filter, board_of, page_asked
from handlers.console.doors import Doors
from handlers.console.rendering import Pages, Viewer
from reports import tickets_behind
from reports.complaint_clocks import complaint_clocks
from reports.live import Figure, live_strip, open_tickets, with_told
from reports.ticket_lists import COUNTS_REQUESTS
from reports.timeline import ticket_record

PER_PAGE = 100
# The longest waits the page shows itself; a province's thousands (each row with its forms,
# megabytes of HTML every refresh) are behind the unanswered number's list.
WAITING_SHOWN = 100


class ConsolePages:
    """Serve what a signed-in viewer reads; anyone else is asked to sign in."""

    def __init__(self, pages: Pages, doors: Doors) -> None:
        self.pages = pages
        self.doors = doors
        self.console = pages.console

    async def page(self, request: Request) -> Response:
        """Show the whole console page."""
        viewer = await self.doors.viewer(request)
        if viewer is None:
            return self.pages.signed_out(request)
        notice = _notice(request)
        sort = Sort.parse(request.query_params.get("sort"))
        now = self.console.ctx.clock.now()
        async with self.console.store.reading() as conn:
            board = await board_of(self.console, conn, viewer.scope, now, sort)
        return self.pages.render(
            "page.html",
            viewer.lang,
            viewer=viewer,
            notice=notice,
            board=board,
            **await self._live(viewer),
        )

    async def live(self, request: Request) -> Response:
        """Return the live parts alone, for the page's script to swap in."""
        viewer = await self.doors.viewer(request)
        if viewer is None:
            return self.pages.signed_out(request)
        return self.pages.render(
            "live.html", viewer.lang, viewer=viewer, **await self._live(viewer)
        )

    async def _live(self, viewer: Viewer) -> dict[str, Any]:
        now = self.console.ctx.clock.now()
        async with self.console.store.reading() as conn:
            strip = await live_strip(conn, viewer.scope, now)
            longest = await open_tickets(
                conn, viewer.scope, now, figure=Figure.UNANSWERED, limit=WAITING_SHOWN
            )
            waiting = await with_told(conn, longest)
            complaints = await complaint_clocks(conn, viewer.scope, now)
        thresholds = self.console.settings.thresholds
        red = {f for f in Figure if f in thresholds and strip[f] > thresholds[f]}
        return {
            "figures": list(Figure),
            "strip": strip,
            "red": red,
            "waiting": waiting,
            "waiting_total": strip[Figure.UNANSWERED],
            "complaints": complaints,
            "choices": self._choices(viewer),
        }

    def _choices(self, viewer: Viewer) -> dict[str, Markup]:
        """Return, for each manager in scope, the colleagues a ticket of theirs can go to."""
        team = self.console.ctx.team
        ids = sorted(viewer.scope.manager_ids)
        colleagues = [team.managers[m] for m in ids if m in team.managers]
        # Written once per page, not once per waiting row: a hundred rows of twenty options
        # made up most of the page's rendering.
        options = {
            m.id: Markup('<option value="{}">{}</option>').format(m.id, m.name) for m in colleagues
        }
        return {
            m.id: Markup("").join(o for other, o in options.items() if other != m.id)
            for m in colleagues
            if len(colleagues) > 1
        }

    async def tickets(self, request: Request) -> Response:
        """List the tickets behind one number of the live strip or of the weekly board."""
        viewer = await self.doors.viewer(request)
        if viewer is None:
            return self.pages.signed_out(request)
        if any(bound in request.query_params for bound in BOUNDS):
            return await self.behind(request, viewer)
        try:
            figure = Figure(request.query_params.get("figure", Figure.OPEN.value))
        except ValueError:
            figure = Figure.OPEN
        manager = request.query_params.get("manager") or None
        page = page_asked(request.query_params)
        if page is None:
            return self.pages.render("message.html", viewer.lang, status=404, key="notfound")
        now = self.console.ctx.clock.now()
        async with self.console.store.reading() as conn:
            listed = await open_tickets(
                conn,
                viewer.scope,
                now,
                figure=figure,
                manager_id=manager,
                limit=PER_PAGE + 1,
                offset=(page - 1) * PER_PAGE,
            )
            shown = await with_told(conn, listed[:PER_PAGE])
        return self.pages.render(
            "tickets.html",
            viewer.lang,
            viewer=viewer,
            figure=figure,
            listed=shown,
            page=page,
            has_next=len(listed) > PER_PAGE,
            paged=_paged(request),
        )

    async def behind(self, request: Request, viewer: Viewer) -> Response:
        """List the tickets behind a number of the board: a figure of a week or the last days."""
        asked = board_filter(request.query_params, self.console.ctx, self.console.ctx.ratings.low)
        if asked is None:
            return self.pages.render("message.html", viewer.lang, status=404, key="notfound")
        wanted, page = asked
        async with self.console.store.reading() as conn:
            listed = await tickets_behind(
                conn, self.console.ctx.team, viewer.scope, wanted, page=page, per_page=PER_PAGE
            )
        return self.pages.render(
            "behind.html",
            viewer.lang,
            viewer=viewer,
            wanted=wanted,
            listed=listed,
            counts_requests=wanted.figure in COUNTS_REQUESTS,
            paged=_paged(request),
        )

    async def ticket(self, request: Request) -> Response:
        """Show one ticket's whole record; a ticket outside the viewer's scope is not found."""
        viewer = await self.doors.viewer(request)
        if viewer is None:
            return self.pages.signed_out(request)
        async with self.console.store.reading() as conn:
            record = await ticket_record(conn, viewer.scope, request.path_params["ticket"])
        if record is None:
            return self.pages.render("message.html", viewer.lang, status=404, key="notfound")
        return self.pages.render("ticket.html", viewer.lang, viewer=viewer, record=record)


def _paged(request: Request) -> Callable[[int], str]:
    """Return what links another page of this list: the same query with its page number."""
    return lambda page: urlencode({**request.query_params, "page": page})


def _notice(request: Request) -> tuple[str, int] | None:
    """Return what the last action did, as the redirect after it says (done=…&ticket=…)."""
    done, ticket = request.query_params.get("done"), request.query_params.get("ticket", "")
    if done in ("nudged", "reassigned", "refused") and ticket.isdigit():
        return f"done.{done}", int(ticket)
    return None
