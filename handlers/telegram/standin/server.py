"""Serve the Bot API over HTTP on loopback, translating requests into world calls."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from handlers.telegram.standin.faults import Fault
from handlers.telegram.standin.records import JSON, ApiError
from handlers.telegram.standin.registry import Handler, lookup
from handlers.telegram.standin.wire import read_params
from handlers.telegram.standin.world import World

_INCOMPLETE = "ASGI callable returned without completing response"


class Signal:
    """Wake every waiter on each change; a condition variable without a lock, for one loop."""

    def __init__(self) -> None:
        self._event: asyncio.Event | None = None

    def fire(self) -> None:
        """Wake everyone currently waiting."""
        if self._event is not None:
            self._event.set()
            self._event = None

    def wait(self) -> Coroutine[Any, Any, bool]:
        """Return an awaitable for the next fire(), bound now so no wake-up can slip past."""
        # Binding the event here (not when a task first runs the coroutine) means a fire()
        # between the caller's last check and the task's start still wakes it.
        if self._event is None:
            self._event = asyncio.Event()
        return self._event.wait()


class _DropFilter(logging.Filter):
    """Silence uvicorn's complaint about connections the stand-in drops on purpose."""

    def __init__(self) -> None:
        super().__init__()
        self.expected = 0

    def filter(self, record: logging.LogRecord) -> bool:
        if self.expected and record.getMessage().startswith(_INCOMPLETE):
            self.expected -= 1
            return False
        return True


class _DroppedResponse(Response):
    """Start a response and never finish it, so the client sees the connection die."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(b"content-type", b"application/json"), (b"content-length", b"64")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})


async def _disconnected(receive: Receive) -> None:
    """Return once the client has gone away; the request body must already be read."""
    while (await receive())["type"] != "http.disconnect":
        pass


async def _first(*waits: Awaitable[Any], limit: float | None) -> set[asyncio.Future[Any]]:
    """Wait up to limit seconds for the first of several awaitables, cancelling the rest."""
    futures: set[asyncio.Future[Any]] = {asyncio.ensure_future(w) for w in waits}
    try:
        done, _ = await asyncio.wait(futures, timeout=limit, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for future in futures:
            future.cancel()
    return done


class ApiServer:
    """The Starlette application speaking the Bot API for one world."""

    def __init__(self, world: World, signal: Signal, extra_routes: list[BaseRoute] | None = None):
        self.world = world
        self.signal = signal
        self.closing = False
        self.drops = _DropFilter()
        self._poll_generation = 0
        self.polls_waiting = 0
        routes: list[BaseRoute] = [
            Route("/bot{token}/{method}", self.endpoint, methods=["GET", "POST"]),
            Route("/file/bot{token}/{path:path}", self.download, methods=["GET"]),
            *(extra_routes or []),
        ]
        self.app = Starlette(routes=routes)

    def close(self) -> None:
        """Release long polls and stalled calls so the server can stop at once."""
        self.closing = True
        self.signal.fire()

    def _reply(self, method: str, params: JSON, at: float, result: object) -> Response:
        if isinstance(result, ApiError):
            self.world.record(method, params, at, result.code)
            return JSONResponse(result.payload(), status_code=result.code)
        self.world.record(method, params, at, 200)
        return JSONResponse({"ok": True, "result": result})

    async def endpoint(self, request: Request) -> Response:
        """Handle /bot{token}/{method}."""
        at = time.monotonic()
        method = request.path_params["method"]
        if request.path_params["token"] != self.world.token:
            return self._reply(method, {}, at, ApiError(401, "Unauthorized"))
        entry = lookup(method)
        if entry is None:
            return self._reply(method, {}, at, ApiError(404, "Not Found"))
        name, handler = entry
        try:
            params = await read_params(request)
        except ApiError as error:
            return self._reply(name, {}, at, error)
        fault = self.world.faults.take(name.lower())
        if fault is not None:
            return await self._misbehave(request, name, params, at, fault)
        if name == "getUpdates":
            return await self._long_poll(request, handler, params, at)
        try:
            result = handler(self.world, params)
        except ApiError as error:
            return self._reply(name, params, at, error)
        return self._reply(name, params, at, result)

    async def _misbehave(
        self, request: Request, name: str, params: JSON, at: float, fault: Fault
    ) -> Response:
        if fault.kind == "fail":
            retry_after = fault.retry_after if fault.status == 429 else None
            error = ApiError(fault.status, fault.description(), retry_after=retry_after)
            return self._reply(name, params, at, error)
        self.world.record(name, params, at, 0)
        if fault.kind == "drop":
            self.drops.expected += 1
            return _DroppedResponse()
        # A stall holds the request until the client gives up, the hold ends or we stop.
        await _first(_disconnected(request.receive), self._until_closing(), limit=fault.hold)
        error = ApiError(504, "Gateway Timeout")
        return JSONResponse(error.payload(), status_code=error.code)

    async def _until_closing(self) -> None:
        while not self.closing:
            await self.signal.wait()

    async def _long_poll(
        self, request: Request, handler: Handler, params: JSON, at: float
    ) -> Response:
        self._poll_generation += 1
        generation = self._poll_generation
        self.signal.fire()  # lets an older poll notice it was superseded
        loop = asyncio.get_running_loop()
        timeout = params.get("timeout")
        deadline = loop.time() + (timeout if isinstance(timeout, int) and timeout > 0 else 0)
        gone = asyncio.ensure_future(_disconnected(request.receive))
        parked = False
        try:
            while True:
                if gone.done():
                    self.world.record("getUpdates", params, at, 0)
                    return Response(status_code=204)
                if generation != self._poll_generation:
                    raise ApiError(
                        409,
                        "Conflict: terminated by other getUpdates request; "
                        "make sure that only one bot instance is running",
                    )
                result = handler(self.world, params)
                remaining = deadline - loop.time()
                if result or remaining <= 0 or self.closing:
                    return self._reply("getUpdates", params, at, result)
                if not parked:
                    parked = True
                    self.polls_waiting += 1
                    self.signal.fire()  # tell observers a poll is now parked
                await _first(self.signal.wait(), asyncio.shield(gone), limit=remaining)
        except ApiError as error:
            return self._reply("getUpdates", params, at, error)
        finally:
            gone.cancel()
            self.polls_waiting -= parked

    async def download(self, request: Request) -> Response:
        """Serve /file/bot{token}/{path} for files from getFile."""
        if request.path_params["token"] != self.world.token:
            return JSONResponse(ApiError(401, "Unauthorized").payload(), status_code=401)
        path = request.path_params["path"]
        for record in self.world.files.values():
            if record.file_path == path:
                mime = record.mime_type or "application/octet-stream"
                return Response(record.content(), media_type=mime)
        return JSONResponse(ApiError(404, "Not Found").payload(), status_code=404)


class _Uvicorn(uvicorn.Server):
    """A uvicorn server that reports readiness and leaves signal handlers to its host."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = asyncio.Event()
        self.exit_requested = asyncio.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        self.ready.set()

    async def main_loop(self) -> None:
        # Waking on an event instead of uvicorn's 0.1 s polling makes stop() prompt.
        counter = 0
        while not await self.on_tick(counter):
            counter += 10  # on_tick refreshes the Date header when counter % 10 == 0
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.exit_requested.wait(), 1.0)

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class LoopbackServer:
    """Run an ASGI app with uvicorn as a task in the current event loop."""

    def __init__(self, app: ASGIApp, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self.host = host
        self.port = port
        self._server: _Uvicorn | None = None
        self._task: asyncio.Task[None] | None = None
        self.before_stop: Callable[[], None] = lambda: None

    @property
    def url(self) -> str:
        """Return the root URL, reachable from this machine."""
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        return f"http://{host}:{self.port}"

    async def start(self) -> None:
        """Bind the socket (port 0 picks a free one) and start serving."""
        if self._task is not None:
            raise RuntimeError("server already started")
        # Binding here, not in uvicorn, surfaces errors as OSError instead of sys.exit.
        # IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on sockets that declare it, and
        # without it every response stalls ~40 ms on Nagle plus delayed ACK.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, self.port))
        except OSError:
            sock.close()
            raise
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app,
            log_config=None,
            log_level="warning",
            access_log=False,
            lifespan="off",
            http="h11",
            ws="none",
            proxy_headers=False,
            server_header=False,
            timeout_graceful_shutdown=1,
        )
        self._server = _Uvicorn(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))
        ready = asyncio.ensure_future(self._server.ready.wait())
        await asyncio.wait({self._task, ready}, return_when=asyncio.FIRST_COMPLETED)
        if not ready.done():
            ready.cancel()
            sock.close()
            await self._task
            raise RuntimeError("uvicorn stopped during startup")

    async def stop(self) -> None:
        """Stop serving and wait for uvicorn to finish."""
        if self._server is None or self._task is None:
            return
        self.before_stop()
        self._server.should_exit = True
        self._server.exit_requested.set()
        try:
            await self._task
        finally:
            self._server = None
            self._task = None
