"""The web server's limits: header and body time, header size and open connections."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import h11
import uvicorn
from starlette.types import ASGIApp
from uvicorn.protocols.http.h11_impl import H11Protocol

from bot.config import Settings
from bot.problems import ConfigError, Problem

# A client that has not finished its request line and headers by then is holding the
# connection open (slowloris); Telegram sends them in one packet.
HEADER_SECONDS = 10.0
# Telegram opens at most 100 connections to a webhook (setWebhook's max_connections, 40 by
# default); more than this at once is not Telegram, and each costs a task and a buffer.
MAX_CONNECTIONS = 128
# Request line and headers together; Telegram's are a few hundred bytes.
MAX_HEADER_BYTES = 16 * 1024
KEEP_ALIVE_SECONDS = 5


class TimedHeadersProtocol(H11Protocol):
    """uvicorn's h11 protocol, closing a connection whose headers do not arrive in time."""

    header_seconds = HEADER_SECONDS
    _header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Start the clock for the first request's headers."""
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        """Take bytes in; stop the clock once a request's headers are complete."""
        super().data_received(data)
        if self.conn.their_state is h11.IDLE:
            # Still in a request line or headers, or between requests (keep-alive's own timer
            # covers the idle wait; this one covers a request begun and never finished).
            if self._header_timer is None:
                self._arm()
        else:
            self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        """Stop the clock with the connection."""
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._header_timer = self.loop.call_later(self.header_seconds, self._too_slow)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _too_slow(self) -> None:
        self._header_timer = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()


def server_config(app: ASGIApp, *, header_seconds: float = HEADER_SECONDS) -> uvicorn.Config:
    """Return uvicorn's settings for one listener, with the limits above."""

    class Protocol(TimedHeadersProtocol):
        pass

    Protocol.header_seconds = header_seconds
    options: dict[str, Any] = {
        "http": Protocol,
        "lifespan": "off",
        "log_config": None,
        "access_log": False,
        "server_header": False,
        "limit_concurrency": MAX_CONNECTIONS,
        "timeout_keep_alive": KEEP_ALIVE_SECONDS,
        "h11_max_incomplete_event_size": MAX_HEADER_BYTES,
    }
    return uvicorn.Config(app, **options)


def bind(settings: Settings, host: str, port: int, key: str) -> socket.socket:
    """Bind a listening socket once, so every worker accepts on the same one."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        message = f"cannot listen on {host}:{port}: {error.strerror}"
        raise ConfigError([Problem(settings.config_file, key, message)]) from None
    sock.set_inheritable(True)
    return sock
