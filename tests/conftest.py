"""Suite-wide guards: tests, and the processes they start, never reach beyond loopback."""

from __future__ import annotations

import asyncio
import os
import socket
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import create_async_engine

from tests.offline import sitecustomize as offline

# Opt in to python-telegram-bot's timedelta retry_after, so its deprecation warning never fires.
os.environ.setdefault("PTB_TIMEDELTA", "1")

# Every process a test starts inherits this environment, so Python guards it at start-up.
OFFLINE = str(Path(offline.__file__).parent)
os.environ["PYTHONPATH"] = os.pathsep.join(
    [OFFLINE, *[p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]]
)


PG_VARIABLE = "RETAILDESK_TEST_PG_URL"


def pytest_configure(config: pytest.Config) -> None:
    """Give each xdist worker a PostgreSQL database of its own, made from the given URL."""
    # Advisory locks and NOTIFY channels are per database: two workers sharing one would take
    # each other's sender seat and hear each other's outbox.
    worker = getattr(config, "workerinput", None)
    url = os.environ.get(PG_VARIABLE)
    if worker is None or not url:
        return
    name = f"rd_{worker['testrunuid'][:10]}_{worker['workerid']}"
    try:
        asyncio.run(_database(url, f'CREATE DATABASE "{name}"'))
    except (OSError, SQLAlchemyError):
        return  # The server is away: its tests fail (in CI) or skip, each saying why.
    config.stash[_WORKER_DATABASE] = (url, name)
    os.environ[PG_VARIABLE] = make_url(url).set(database=name).render_as_string(False)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Drop the worker's database."""
    if (made := config.stash.get(_WORKER_DATABASE, None)) is not None:
        url, name = made
        os.environ[PG_VARIABLE] = url
        asyncio.run(_database(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


_WORKER_DATABASE = pytest.StashKey[tuple[str, str]]()


async def _database(url: str, statement: str) -> None:
    admin_url = make_url(url).set(drivername="postgresql+asyncpg")
    admin = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(statement))
    finally:
        await admin.dispose()


@pytest.fixture(autouse=True)
def _network_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", offline.guarded(socket.socket.connect))
    monkeypatch.setattr(socket.socket, "connect_ex", offline.guarded(socket.socket.connect_ex))
    monkeypatch.setattr(socket, "getaddrinfo", offline.no_lookup(socket.getaddrinfo))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Start the long tests first, their order still random, so no worker ends alone on one."""
    items.sort(key=lambda item: not _long(item))


def _long(item: pytest.Item) -> bool:
    group = item.get_closest_marker("xdist_group")
    return group is not None and group.args == ("long",)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say how many PostgreSQL tests this run skipped, so a green run says what it left out."""
    skipped = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if PG_VARIABLE in str(report.longrepr)
    ]
    if skipped:
        terminalreporter.write_line(
            f"{len(skipped)} PostgreSQL tests skipped: set RETAILDESK_TEST_PG_URL to run them "
            "(README, Set-up)",
            yellow=True,
        )
