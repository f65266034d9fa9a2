"""The console's login links and sessions, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from desk.people import Supervisor
from handlers.console.links import link_maker
from handlers.console.services import ConsoleServices, ConsoleSettings
from storage.console import ConsoleAccess, LinkState, digest
from storage.migrate import downgrade, upgrade
from storage.store import SqlStore
from storage.tables import console_logins, console_sessions
from tests.databases import BACKENDS, migrated_engine
from tests.unit.fakes import FakeClock

T0 = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)


@pytest.fixture(params=BACKENDS)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SqlStore]:
    async with migrated_engine(request.param, tmp_path) as engine:
        yield SqlStore(engine, FakeClock(T0))


async def test_only_the_tokens_hash_is_stored(store):
    token = await ConsoleAccess(store).issue_link("s1")

    async with store.reading() as conn:
        rows = (await conn.execute(select(console_logins))).all()
    assert [(r.token_hash, r.staff_id, r.expires_at) for r in rows] == [
        (digest(token), "s1", T0 + timedelta(minutes=15))
    ]
    assert token not in repr(rows)


async def test_looking_at_a_link_never_spends_it_and_posting_spends_it_once(store):
    access = ConsoleAccess(store)
    token = await access.issue_link("s1")

    for _ in range(3):
        assert await access.link_state(token) is LinkState.VALID
    opened = await access.spend_link(token)

    assert opened is not None
    assert opened.session.staff_id == "s1"
    assert await access.link_state(token) is LinkState.SPENT
    assert await access.spend_link(token) is None
    assert await access.link_state("no-such-token") is LinkState.UNKNOWN


async def test_a_link_expires_after_fifteen_minutes(store):
    access = ConsoleAccess(store)
    token = await access.issue_link("s1")

    store.clock.advance(minutes=15)

    assert await access.link_state(token) is LinkState.EXPIRED
    assert await access.spend_link(token) is None


async def test_of_two_racing_posts_exactly_one_signs_in(store):
    # Two workers: two stores, each with its own writer turn and connections, one database.
    other = SqlStore(store.engine, store.clock)
    token = await ConsoleAccess(store).issue_link("s1")

    results = await asyncio.gather(
        ConsoleAccess(store).spend_link(token), ConsoleAccess(other).spend_link(token)
    )

    assert sum(r is not None for r in results) == 1


async def test_a_session_lasts_a_working_day_until_logout(store):
    access = ConsoleAccess(store)
    opened = await access.spend_link(await access.issue_link("m1"))
    assert opened is not None

    assert await access.session(opened.cookie) == opened.session
    async with store.reading() as conn:
        stored = (await conn.execute(select(console_sessions.c.session_hash))).scalars().all()
    assert stored == [digest(opened.cookie)]
    store.clock.advance(hours=9, minutes=59)
    assert await access.session(opened.cookie) == opened.session
    store.clock.advance(minutes=1)
    assert await access.session(opened.cookie) is None

    again = await access.open_session("m1")
    await access.end_session(again.cookie)
    assert await access.session(again.cookie) is None


@pytest.mark.parametrize("backend", BACKENDS)
async def test_the_console_tables_come_and_go_with_revision_0010(backend, tmp_path):
    async with migrated_engine(backend, tmp_path) as engine:
        await downgrade(engine, "0009")
        async with engine.connect() as conn:
            names = await conn.run_sync(lambda c: c.dialect.get_table_names(c))
        assert "console_logins" not in names
        assert "console_sessions" not in names
        await upgrade(engine)
        store = SqlStore(engine, FakeClock(T0))
        assert await ConsoleAccess(store).issue_link("s1")


async def test_a_link_issued_inside_a_group_commit_joins_it(store):
    access = ConsoleAccess(store)

    # As /console is handled on Telegram: inside the intake's group commit, which on SQLite
    # holds the one writer; taking the writer again would wait for ever.
    # asyncio.timeout, not wait_for: the group serves only the task that opened it.
    async with store.group_commit(), asyncio.timeout(5):
        token = await access.issue_link("s1")

    assert await access.link_state(token) is LinkState.VALID


async def test_a_link_from_inside_a_group_commit_is_sent_once_it_can_be_opened(store):
    settings = ConsoleSettings("http://desk.test")
    # No desk is needed to issue a link.
    console = ConsoleServices(settings, store, None, ConsoleAccess(store))  # type: ignore[arg-type]
    sent: list[LinkState] = []

    async def send(url: str) -> None:
        # What the staff member would see, opening the link the moment it arrives.
        sent.append(await console.access.link_state(url.rsplit("/", 1)[1]))

    async with store.group_commit(), asyncio.timeout(5):
        await link_maker(console)(Supervisor("s1", "陈主任", ()), send)
        assert sent == []

    assert sent == [LinkState.VALID]
