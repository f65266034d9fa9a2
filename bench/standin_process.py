"""Run the Bot API stand-in in its own process and drive it over its control API."""

from __future__ import annotations

import subprocess
import sys
import time
from types import TracebackType
from typing import Any

import httpx

from bench import measure


class StandinProcess:
    """A stand-in on its own core, so the bot under test does not share an event loop with it."""

    def __init__(self, token: str = "123456:BENCH-TOKEN") -> None:
        self.token = token
        self.process: subprocess.Popen[str] | None = None
        self.base_url = ""
        self.control = ""
        self.client = httpx.Client(timeout=60)

    def __enter__(self) -> StandinProcess:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "handlers.telegram.standin",
                "--port",
                "0",
                "--token",
                self.token,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.process.stdout is not None
        self.base_url = self.process.stdout.readline().strip()
        self.control = self.base_url.removesuffix("/bot") + "/_standin"
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.client.close()
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def users(self, people: list[dict[str, Any]]) -> None:
        self.client.post(f"{self.control}/users", json=people).raise_for_status()

    def burst(self, messages: list[tuple[int, str]]) -> float:
        """Queue every message as one batch of updates; return the monotonic time it was queued."""
        actions = [{"action": "send", "user_id": uid, "text": text} for uid, text in messages]
        started = time.monotonic()
        self.client.post(f"{self.control}/actions", json={"actions": actions}).raise_for_status()
        return started

    def stats(self) -> dict[str, Any]:
        response = self.client.get(f"{self.control}/stats")
        response.raise_for_status()
        stats: dict[str, Any] = response.json()
        return stats

    def calls(self, since: int = 0) -> list[dict[str, Any]]:
        response = self.client.get(f"{self.control}/calls", params={"since": since})
        response.raise_for_status()
        rows: list[dict[str, Any]] = response.json()
        return rows

    def cpu_seconds(self) -> float:
        """Return the CPU time the stand-in's process has used so far."""
        assert self.process is not None
        return measure.cpu_seconds(self.process.pid)

    def wait_messages(self, count: int, timeout: float = 300.0) -> float:
        """Wait until the bot has delivered `count` messages in all; return the monotonic time."""
        # The stand-in waits, not this process: polling would spend the measured bot's CPU.
        response = self.client.get(
            f"{self.control}/wait",
            params={"bot_messages": count, "timeout": timeout},
            timeout=timeout + 10,
        )
        if response.status_code == 504:
            raise TimeoutError(response.json()["description"])
        response.raise_for_status()
        return time.monotonic()
