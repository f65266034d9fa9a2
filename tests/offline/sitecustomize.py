"""Keep every process a test starts on loopback: Python imports this module at start-up."""

from __future__ import annotations

import ipaddress
import socket
from typing import Any


class NetworkBlockedError(RuntimeError):
    """Raised when a test, or a process it started, tries to reach beyond this machine."""


def is_loopback(address: Any) -> bool:
    """Say whether a socket address stays on this machine."""
    if not isinstance(address, tuple):
        return True  # Unix sockets stay on this machine.
    host = address[0]
    if host in {"localhost", ""}:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_ip_literal(host: Any) -> bool:
    """Say whether a host is written as an address, so resolving it asks no one."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def guarded(real_connect: Any) -> Any:
    """Wrap a socket's connect so that it refuses any address beyond loopback."""

    def connect(self: socket.socket, address: Any) -> Any:
        if not is_loopback(address):
            raise NetworkBlockedError(f"tried to reach {address!r}; tests stay on loopback")
        return real_connect(self, address)

    return connect


def no_lookup(real_getaddrinfo: Any) -> Any:
    """Wrap getaddrinfo so that only loopback names and address literals resolve."""

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in {"localhost", "127.0.0.1", "::1", None} and not is_ip_literal(host):
            raise NetworkBlockedError(f"tried to resolve {host!r}; tests stay on loopback")
        return real_getaddrinfo(host, *args, **kwargs)

    return getaddrinfo


def install() -> None:
    """Guard this whole process for the rest of its life."""
    socket.socket.connect = guarded(socket.socket.connect)  # type: ignore[method-assign]
    socket.socket.connect_ex = guarded(socket.socket.connect_ex)  # type: ignore[method-assign]
    socket.getaddrinfo = no_lookup(socket.getaddrinfo)


# Imported by name at start-up only when this folder is on PYTHONPATH (a test's subprocess);
# the pytest process imports it as tests.offline.sitecustomize and guards each test instead.
if __name__ == "sitecustomize":
    install()
