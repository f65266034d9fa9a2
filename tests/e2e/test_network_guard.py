"""A process a test starts is held to loopback as firmly as the test itself."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from handlers.telegram.standin import Standin
from tests.e2e.harness import DeskProcess, desk_mapping, write_config
from tests.e2e.workers import ROOT, clean_env

REACHES = [
    "import socket; socket.create_connection(('192.0.2.10', 443), timeout=5)",
    "import socket; socket.getaddrinfo('api.telegram.org', 443)",
    "import urllib.request; urllib.request.urlopen('https://api.telegram.org', timeout=5)",
]


@pytest.mark.parametrize("reach", REACHES)
def test_a_started_process_that_reaches_beyond_loopback_fails_loudly(reach: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", reach],
        capture_output=True,
        text=True,
        env=clean_env(),
        cwd=ROOT,
        timeout=30,
    )

    assert done.returncode != 0
    assert "NetworkBlockedError" in done.stderr
    assert "tests stay on loopback" in done.stderr


def test_a_started_process_still_reaches_loopback() -> None:
    reach = (
        "import socket\n"
        "with socket.create_server(('127.0.0.1', 0)) as shop:\n"
        "    socket.create_connection(shop.getsockname(), timeout=5).close()\n"
        "print('reached')"
    )
    done = subprocess.run(
        [sys.executable, "-c", reach], capture_output=True, text=True, env=clean_env(), cwd=ROOT
    )

    assert done.stdout == "reached\n", done.stderr


async def test_the_desk_pointed_at_real_telegram_is_stopped_at_the_socket(
    tg: Standin, tmp_path: Path
) -> None:
    mapping = desk_mapping(tg, tmp_path)
    mapping["telegram"]["base_url"] = "https://api.telegram.org/bot"
    desk = DeskProcess(write_config(mapping, tmp_path))
    desk.start()
    try:
        assert desk.process is not None
        desk.process.wait(timeout=60)
    finally:
        if desk.alive:
            desk.kill()
    assert "tests stay on loopback" in desk.log.read_text(), desk.log.read_text()[-3000:]
