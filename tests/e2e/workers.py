"""Run `retaildesk serve` as processes of their own, so a test can post to them and kill them."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]


def listener() -> socket.socket:
    """Return a loopback socket listening on a port of its own, for a server process to inherit.

    Binding here and handing the socket down leaves no moment in which another process could
    take the port, as a number found free and bound again later would.
    """
    return socket.create_server(("127.0.0.1", 0))


def clean_env(**extra: str) -> dict[str, str]:
    """Return this environment without RETAILDESK_* settings, plus the given ones."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RETAILDESK_")}
    return env | extra


class ServeProcess:
    """One `retaildesk serve` (and, with workers > 1, its worker processes)."""

    def __init__(
        self, config: Path, sock: socket.socket, *, workers: int = 1, name: str = "serve"
    ) -> None:
        self.config = config
        self.sock = sock
        self.port: int = sock.getsockname()[1]
        # /healthz and /metrics listen apart, on a socket of their own handed down the same way.
        self.metrics_sock = listener()
        self.metrics_port: int = self.metrics_sock.getsockname()[1]
        self.workers = workers
        self.log = config.parent / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def metrics_url(self) -> str:
        return f"http://127.0.0.1:{self.metrics_port}"

    def start(self) -> None:
        argv = [sys.executable, "-m", "bot.cli", "serve", "--config", str(self.config)]
        argv += ["--workers", str(self.workers), "--listen-fd", str(self.sock.fileno())]
        argv += ["--metrics-fd", str(self.metrics_sock.fileno())]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                argv,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=clean_env(),
                cwd=ROOT,
                pass_fds=(self.sock.fileno(), self.metrics_sock.fileno()),
            )
        # The sockets are the server's now: closing these copies lets a killed server refuse posts.
        self.sock.close()
        self.metrics_sock.close()

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def children(self) -> list[int]:
        """Return the pids of the worker processes this one started."""
        path = Path(f"/proc/{self.pid}/task/{self.pid}/children")
        return [int(pid) for pid in path.read_text().split()] if path.exists() else []

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def terminate(self) -> int:
        """Stop with SIGTERM and return the exit code; kill it (-9) if it hangs."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return -9

    async def health(
        self,
        timeout: float = 30.0,  # noqa: ASYNC109
        *,
        sender: bool = False,
    ) -> dict[str, Any]:
        """Wait until /healthz answers 200 (and, with sender, names this the sender)."""
        deadline = asyncio.get_running_loop().time() + timeout
        async with httpx.AsyncClient(timeout=2.0) as client:
            while True:
                assert self.alive, f"serve exited early:\n{self.log.read_text()[-3000:]}"
                try:
                    response = await client.get(f"{self.metrics_url}/healthz")
                    health: dict[str, Any] = response.json()
                    if response.status_code == 200 and (health["sender"] or not sender):
                        return health
                except httpx.TransportError:
                    pass
                assert asyncio.get_running_loop().time() < deadline, "serve never became healthy"
                await asyncio.sleep(0.1)


async def until(condition: Any, within: float = 30.0, what: str = "condition") -> None:
    """Poll a condition the processes under test reach by themselves; fail after `within`."""
    deadline = asyncio.get_running_loop().time() + within
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, f"{what} not reached in {within}s"
        await asyncio.sleep(0.1)
