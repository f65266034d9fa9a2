"""The web app a worker serves: the channels' webhook routes, the console, /healthz, /metrics."""

from __future__ import annotations

import socket
from dataclasses import replace

from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.app import RetailDesk
from bot.metrics import CONTENT_TYPE
from handlers.console.app import console_routes
from handlers.console.security import ConsoleHeaders
from storage.vitals import ping


def webhook_app(app: RetailDesk, *, health: bool = False) -> Starlette:
    """Build the ASGI app of every channel's webhook (and, with health, /healthz and /metrics)."""
    routes = [route for channel in app.channels.values() for route in channel.routes(app.metrics)]
    return _with_console(app, [*routes, *(_health_routes(app) if health else [])])


def callbacks_app(app: RetailDesk) -> Starlette:
    """Build the ASGI app of the channels that only take updates by callback (for `run`)."""
    # Telegram polls under `run`: its webhook route would only be a way in for forged posts.
    polled = app.telegram_channel
    routes = [
        route
        for channel in app.channels.values()
        if channel is not polled
        for route in channel.routes(app.metrics)
    ]
    return _with_console(app, [*routes, *_health_routes(app)])


def _with_console(app: RetailDesk, routes: list[BaseRoute]) -> Starlette:
    """Serve the console beside the given routes, on the same listener."""
    console = console_routes(app.console) if app.console is not None else []
    return Starlette(routes=[*routes, *console], middleware=[Middleware(ConsoleHeaders)])


def console_served_at(app: RetailDesk, sock: socket.socket) -> None:
    """Give the console's links the port actually bound, when no public_url names another."""
    if app.console is None or app.settings.console.public_url is not None:
        return
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    app.console.settings = replace(app.console.settings, public_url=f"http://{shown}:{port}")


def health_app(app: RetailDesk) -> Starlette:
    """Build the ASGI app of /healthz and /metrics, for their own listen address."""
    return Starlette(routes=_health_routes(app))


def _health_routes(app: RetailDesk) -> list[Route]:
    async def healthz(request: Request) -> Response:
        try:
            async with app.store.reading() as conn:
                await ping(conn)
        except (SQLAlchemyError, OSError) as error:
            return JSONResponse({"ok": False, "database": type(error).__name__}, status_code=503)
        return JSONResponse({"ok": True, "sender": app.sending})

    async def metrics_page(request: Request) -> Response:
        return Response(await app.metrics.render(app.store), media_type=CONTENT_TYPE)

    return [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/metrics", metrics_page, methods=["GET"]),
    ]
