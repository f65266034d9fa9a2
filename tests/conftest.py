"""Suite-wide guards: tests, and the processes they start, never reach beyond loopback."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from tests.offline import sitecustomize as offline

# Opt in to python-telegram-bot's timedelta retry_after, so its deprecation warning never fires.
os.environ.setdefault("PTB_TIMEDELTA", "1")

# Every process a test starts inherits this environment, so Python guards it at start-up.
OFFLINE = str(Path(offline.__file__).parent)
os.environ["PYTHONPATH"] = os.pathsep.join(
    [OFFLINE, *[p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]]
)


@pytest.fixture(autouse=True)
def _network_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", offline.guarded(socket.socket.connect))
    monkeypatch.setattr(socket.socket, "connect_ex", offline.guarded(socket.socket.connect_ex))
    monkeypatch.setattr(socket, "getaddrinfo", offline.no_lookup(socket.getaddrinfo))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say how many PostgreSQL tests this run skipped, so a green run says what it left out."""
    skipped = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if "RETAILDESK_TEST_PG_URL" in str(report.longrepr)
    ]
    if skipped:
        terminalreporter.write_line(
            f"{len(skipped)} PostgreSQL tests skipped: set RETAILDESK_TEST_PG_URL to run them "
            "(README, Set-up)",
            yellow=True,
        )
