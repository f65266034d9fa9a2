"""`retaildesk serve`: the Telegram webhook under uvicorn, in one process or several workers.

The parent checks the config, migrates the database and binds the socket once. With several
workers it starts each as `retaildesk serve --worker-fd FD` on that shared socket, restarts one
that dies, and passes SIGTERM on. Every worker takes updates in and handles them; the elected
sender among them drains the outbox (see bot.leader).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import re
import signal
import socket
import sys
from pathlib import Path

import uvicorn
from sqlalchemy.exc import SQLAlchemyError
from starlette.types import ASGIApp

from bot.app import RetailDesk, build, prepare, serve
from bot.config import Settings, channel_problems, channels_on, hide_password, load_settings
from bot.listeners import bind, server_config
from bot.problems import ConfigError, Problem
from bot.signals import install_stop_signals
from bot.web import health_app, webhook_app
from handlers.telegram.webhook import webhook_path
from handlers.waiting import first_of

log = logging.getLogger(__name__)

STOP_SECONDS = 30.0


async def command(args: argparse.Namespace) -> int:
    """Serve the webhook until SIGTERM or SIGINT."""
    settings = load_settings(args.config)
    _check(settings, str(args.config), args.workers)
    if args.worker_fd is not None:
        given = [socket.socket(fileno=args.worker_fd)]
        if args.metrics_fd is not None:
            given.append(socket.socket(fileno=args.metrics_fd))
        return await _worker(build(settings), given)
    app = build(settings)
    try:
        await prepare(app)
    except SQLAlchemyError as error:
        await app.store.dispose()
        return _storage_error(settings, error)
    serve_at = settings.serve
    # A socket handed down already listening has a port nobody else can take in the meantime.
    if args.listen_fd is not None:
        sockets = [socket.socket(fileno=args.listen_fd)]
    else:
        sockets = [bind(settings, serve_at.host, serve_at.port, "serve.port")]
    if args.metrics_fd is not None:
        sockets.append(socket.socket(fileno=args.metrics_fd))
    elif serve_at.metrics_apart:
        try:
            sockets.append(
                bind(settings, serve_at.metrics_host, serve_at.metrics_port, "serve.metrics_port")
            )
        except ConfigError:
            sockets[0].close()
            raise
    host, port = sockets[0].getsockname()[:2]
    path = webhook_path(settings.telegram.webhook_url)
    log.info("serving the webhook at http://%s:%s%s, %d worker(s)", host, port, path, args.workers)
    health_host, health_port = sockets[-1].getsockname()[:2]
    log.info("serving /healthz and /metrics at http://%s:%s", health_host, health_port)
    if args.workers == 1:
        return await _worker(app, sockets)
    await app.store.dispose()
    return await _supervise(args, sockets)


def _check(settings: Settings, file: str, workers: int) -> None:
    problems = channel_problems(settings)
    if "telegram" in channels_on(settings):
        problems += _webhook_problems(settings, file)
    if workers < 1:
        problems.append(Problem(file, "--workers", "must be 1 or more"))
    elif workers > 1 and not settings.storage.url.startswith("postgres"):
        message = "SQLite has one writer, so it serves one worker; use postgresql:// for more"
        problems.append(Problem(file, "storage.url", message))
    if problems:
        raise ConfigError(problems)


def _webhook_problems(settings: Settings, file: str) -> list[Problem]:
    """Return what keeps Telegram's webhook from being served safely."""
    telegram = settings.telegram
    problems = []
    if telegram.webhook_url is None:
        problems.append(
            Problem(file, "telegram.webhook_url", "missing; serve needs the public URL")
        )
    if telegram.secret_token is None:
        message = "missing; serve checks it on every post so nobody else can inject updates"
        problems.append(Problem(file, "telegram.secret_token", message))
    elif not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", telegram.secret_token.get_secret_value()):
        # Telegram's own rule; setWebhook refuses anything else.
        message = "use 1 to 256 characters: letters, digits, _ and -"
        problems.append(Problem(file, "telegram.secret_token", message))
    return problems


def _storage_error(settings: Settings, error: SQLAlchemyError) -> int:
    reason = error.args[0] if error.args else type(error).__name__
    print(f"storage error at {hide_password(settings.storage.url)}: {reason}", file=sys.stderr)
    return 1


async def _worker(app: RetailDesk, sockets: list[socket.socket]) -> int:
    """Run the desk and its web servers side by side; when one ends, end the others."""
    stop = asyncio.Event()
    install_stop_signals(stop)
    hook, *apart = sockets
    listeners: list[tuple[ASGIApp, list[socket.socket]]] = [
        (webhook_app(app, health=not apart), [hook])
    ]
    if apart:
        listeners.append((health_app(app), apart))
    servers = [uvicorn.Server(server_config(asgi)) for asgi, _ in listeners]
    web = [
        asyncio.create_task(server.serve(given), name="web")
        for server, (_, given) in zip(servers, listeners, strict=True)
    ]
    desk = asyncio.create_task(serve(app, stop, webhook=True), name="desk")
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait([*web, desk, stopping], return_when=asyncio.FIRST_COMPLETED)
    # Stop taking posts first, so every update Telegram was told we have is in the inbox.
    for server in servers:
        server.should_exit = True
    await asyncio.gather(*web, return_exceptions=True)
    stop.set()
    stopping.cancel()
    try:
        await desk
    except SQLAlchemyError as error:
        return _storage_error(app.settings, error)
    return 0


async def _supervise(args: argparse.Namespace, sockets: list[socket.socket]) -> int:
    """Keep `args.workers` workers running on the shared sockets until told to stop."""
    stop = asyncio.Event()
    install_stop_signals(stop)
    fds = tuple(sock.fileno() for sock in sockets)
    argv = [sys.executable, "-m", "bot.cli", *(["-v"] if args.verbose else [])]
    argv += ["serve", "--config", str(Path(args.config)), "--worker-fd", str(fds[0])]
    if len(fds) > 1:
        argv += ["--metrics-fd", str(fds[1])]
    loop = asyncio.get_running_loop()

    async def spawn() -> asyncio.subprocess.Process:
        return await asyncio.create_subprocess_exec(*argv, pass_fds=fds)

    workers = [await spawn() for _ in range(args.workers)]
    started = [loop.time()] * len(workers)
    quick_deaths = [0] * len(workers)
    while not stop.is_set():
        exits = {asyncio.ensure_future(w.wait()): i for i, w in enumerate(workers)}
        stopping = asyncio.ensure_future(stop.wait())
        done, pending = await asyncio.wait([stopping, *exits], return_when=asyncio.FIRST_COMPLETED)
        for waiter in pending:
            waiter.cancel()
        for waiter in done & exits.keys():
            i = exits[waiter]
            if stop.is_set():
                break
            log.error("worker %d (pid %s) exited with %s", i, workers[i].pid, waiter.result())
            # A worker that dies at start keeps dying: back off instead of spinning.
            quick_deaths[i] = quick_deaths[i] + 1 if loop.time() - started[i] < 10 else 0
            if quick_deaths[i]:
                await first_of(stop, within=min(2.0 ** quick_deaths[i], 30.0))
            if not stop.is_set():
                workers[i], started[i] = await spawn(), loop.time()
                log.info("worker %d restarted as pid %s", i, workers[i].pid)
    await asyncio.gather(*(_stop_worker(w) for w in workers))
    for sock in sockets:
        sock.close()
    return 0


async def _stop_worker(worker: asyncio.subprocess.Process) -> None:
    if worker.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        worker.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(worker.wait(), STOP_SECONDS)
    except TimeoutError:
        log.error("worker pid %s did not stop in %.0fs; killing it", worker.pid, STOP_SECONDS)
        worker.kill()
        await worker.wait()
