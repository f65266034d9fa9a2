"""Suite-wide guards: tests never reach the network beyond loopback."""

from __future__ import annotations

import ipaddress
import os
import socket
from typing import Any

import pytest

# Opt in to python-telegram-bot's timedelta retry_after, so its deprecation warning never fires.
os.environ.setdefault("PTB_TIMEDELTA", "1")


class NetworkBlockedError(RuntimeError):
    """Raised when a test tries to reach anything but this machine."""


def _loopback(address: Any) -> bool:
    if not isinstance(address, tuple):
        return True  # Unix sockets stay on this machine.
    host = address[0]
    if host in {"localhost", ""}:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def _network_off(monkeypatch: pytest.MonkeyPatch) -> None:
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def guarded(self: socket.socket, address: Any) -> Any:
        if not _loopback(address):
            raise NetworkBlockedError(f"test tried to reach {address!r}; tests stay on loopback")
        return real_connect(self, address)

    def guarded_ex(self: socket.socket, address: Any) -> Any:
        if not _loopback(address):
            raise NetworkBlockedError(f"test tried to reach {address!r}; tests stay on loopback")
        return real_connect_ex(self, address)

    def no_lookup(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in {"localhost", "127.0.0.1", "::1", None} and not _is_ip_literal(host):
            raise NetworkBlockedError(f"test tried to resolve {host!r}; tests stay on loopback")
        return real_getaddrinfo(host, *args, **kwargs)

    real_getaddrinfo = socket.getaddrinfo
    monkeypatch.setattr(socket.socket, "connect", guarded)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_ex)
    monkeypatch.setattr(socket, "getaddrinfo", no_lookup)


def _is_ip_literal(host: Any) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
