"""The console's routes, mounted on the same listener as the channels' webhooks."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from handlers.console.actions import Actions
from handlers.console.doors import Doors
from handlers.console.downloads import Downloads
from handlers.console.pages import ConsolePages
from handlers.console.rendering import HERE, Pages
from handlers.console.security import PREFIX, ConsoleHeaders
from handlers.console.services import ConsoleServices


def console_routes(console: ConsoleServices) -> list[BaseRoute]:
    """Return every route under /console (wrap the app in ConsoleHeaders to serve them)."""
    pages = Pages(console)
    doors = Doors(pages)
    shown = ConsolePages(pages, doors)
    actions = Actions(pages, doors)
    files = Downloads(pages, doors)
    return [
        Route(PREFIX, shown.page, methods=["GET"]),
        Route(f"{PREFIX}/live", shown.live, methods=["GET"]),
        Route(f"{PREFIX}/tickets", shown.tickets, methods=["GET"]),
        Route(f"{PREFIX}/tickets/{{ticket:int}}", shown.ticket, methods=["GET"]),
        Route(f"{PREFIX}/downloads/chart.png", files.chart, methods=["GET"]),
        Route(f"{PREFIX}/downloads/summary.csv", files.summary, methods=["GET"]),
        Route(f"{PREFIX}/downloads/tickets.csv", files.tickets, methods=["GET"]),
        Route(f"{PREFIX}/tickets/{{ticket:int}}/nudge", actions.nudge, methods=["POST"]),
        Route(f"{PREFIX}/tickets/{{ticket:int}}/reassign", actions.reassign, methods=["POST"]),
        Route(f"{PREFIX}/login/{{token}}", doors.confirm, methods=["GET"]),
        Route(f"{PREFIX}/login/{{token}}", doors.sign_in, methods=["POST"]),
        Route(f"{PREFIX}/logout", doors.sign_out, methods=["POST"]),
        Route(f"{PREFIX}/wecom", doors.wecom_entry, methods=["GET"]),
        Route(f"{PREFIX}/wecom/back", doors.wecom_back, methods=["GET"]),
        Mount(f"{PREFIX}/static", StaticFiles(directory=HERE / "static"), name="console-static"),
    ]


def console_app(console: ConsoleServices) -> Starlette:
    """Build the console alone, with its headers (for tests and a listener of its own)."""
    return Starlette(routes=console_routes(console), middleware=[Middleware(ConsoleHeaders)])
