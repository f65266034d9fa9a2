"""The console's downloads: the weekly chart, the summary CSV and one row per ticket."""

from __future__ import annotations

import io

from starlette.requests import Request
from starlette.responses import Response

from handlers.console.board import standards_of
from handlers.console.doors import Doors
from handlers.console.rendering import Pages, Viewer
from reports import IsoWeek, summary_csv, weekly_summary, write_ticket_csv


class Downloads:
    """Serve a signed-in viewer's files, of their own scope only; complaints never enter one."""

    def __init__(self, pages: Pages, doors: Doors) -> None:
        self.pages = pages
        self.doors = doors
        self.console = pages.console

    async def chart(self, request: Request) -> Response:
        """Send the week's chart, the PNG the chat gets, drawn away from the event loop."""
        viewer, week = await self._asked(request)
        if viewer is None or week is None:
            return self._refused(request, viewer)
        ctx = self.console.ctx
        # The chat's own summary of the viewer: their team for a supervisor, their own row else.
        supervisor = viewer.staff.id if viewer.scope.is_supervisor else None
        manager = None if viewer.scope.is_supervisor else viewer.staff.id
        async with self.console.store.reading() as conn:
            summary = await weekly_summary(
                conn,
                ctx.team,
                week,
                ctx.timezone,
                supervisor_id=supervisor,
                manager_id=manager,
                standards=standards_of(self.console),
            )
        summary = summary.so_far(ctx.clock.now(), ctx.timezone)
        async with self.console.charts() as draw:
            png = await draw(summary, viewer.lang)
        return _file(png, "image/png", f"report-{week}.png")

    async def summary(self, request: Request) -> Response:
        """Send the week's summary of the viewer's managers as CSV."""
        viewer, week = await self._asked(request)
        if viewer is None or week is None:
            return self._refused(request, viewer)
        ctx = self.console.ctx
        async with self.console.store.reading() as conn:
            table = await summary_csv(
                conn,
                ctx.team,
                viewer.scope,
                week,
                ctx.timezone,
                standards=standards_of(self.console),
                lang=viewer.lang,
            )
        return _file(table, "text/csv; charset=utf-8", f"summary-{week}.csv")

    async def tickets(self, request: Request) -> Response:
        """Send one row per ticket the viewer's managers got in the week, with every moment."""
        viewer, week = await self._asked(request)
        if viewer is None or week is None:
            return self._refused(request, viewer)
        ctx = self.console.ctx
        start, end = week.bounds(ctx.timezone)
        out = io.StringIO()
        async with self.console.store.reading() as conn:
            await write_ticket_csv(out, conn, ctx.team, viewer.scope, start, end, ctx.timezone)
        # A BOM, so that Excel (what supervisors open it in) reads the Chinese names as UTF-8.
        body = "\ufeff".encode() + out.getvalue().encode("utf-8")
        return _file(body, "text/csv; charset=utf-8", f"tickets-{week}.csv")

    async def _asked(self, request: Request) -> tuple[Viewer | None, IsoWeek | None]:
        viewer = await self.doors.viewer(request)
        ctx = self.console.ctx
        text = request.query_params.get("week")
        try:
            week = (
                IsoWeek.parse(text) if text else IsoWeek.containing(ctx.clock.now(), ctx.timezone)
            )
        except ValueError:
            return viewer, None
        return viewer, week

    def _refused(self, request: Request, viewer: Viewer | None) -> Response:
        if viewer is None:
            return self.pages.signed_out(request)
        return self.pages.render("message.html", viewer.lang, status=404, key="notfound")


def _file(body: bytes, media_type: str, name: str) -> Response:
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
