"""Databases for store tests: a SQLite file, and PostgreSQL when its URL is given."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from storage import tables
from storage.engine import async_url, make_engine
from storage.migrate import upgrade

PG_URL = os.environ.get("RETAILDESK_TEST_PG_URL")
# Skipped only off CI; in CI a missing URL or an unreachable server fails the test.
needs_postgres = pytest.mark.skipif(
    PG_URL is None and not os.environ.get("CI"), reason="RETAILDESK_TEST_PG_URL not set"
)
BACKENDS = ["sqlite", pytest.param("postgresql", marks=needs_postgres)]


@asynccontextmanager
async def sqlite_with(metadata: MetaData, path: Path) -> AsyncIterator[AsyncEngine]:
    """Yield an engine on a new SQLite file holding just these tables."""
    engine = make_engine(f"sqlite:///{path.name}", path.parent)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    try:
        yield engine
    finally:
        await engine.dispose()


@asynccontextmanager
async def migrated_engine(
    backend: str, tmp_path: Path, revision: str = "head"
) -> AsyncIterator[AsyncEngine]:
    """Yield a migrated engine of its own: a fresh SQLite file, or a fresh PostgreSQL schema."""
    if backend == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
        await upgrade(engine, revision)
        try:
            yield engine
        finally:
            await engine.dispose()
        return
    if PG_URL is None:
        pytest.fail("CI must set RETAILDESK_TEST_PG_URL for the PostgreSQL store tests")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(async_url(PG_URL))
    async with admin.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = create_async_engine(
        async_url(PG_URL), connect_args={"server_settings": {"search_path": schema}}
    )
    try:
        await upgrade(engine, revision)
        yield engine
    finally:
        await engine.dispose()
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


@asynccontextmanager
async def fresh_database() -> AsyncIterator[str]:
    """Yield the URL of a new empty PostgreSQL database, for processes that connect by URL."""
    if PG_URL is None:
        pytest.fail("CI must set RETAILDESK_TEST_PG_URL for the PostgreSQL tests")
    name = f"rd_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(async_url(PG_URL), isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        await admin.dispose()


async def seed_retailers(conn: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    """Insert retailers as the roster import leaves them, each `telegram_id` as their contact."""
    await conn.execute(
        insert(tables.retailers), [{k: v for k, v in r.items() if k != "telegram_id"} for r in rows]
    )
    linked = [
        {
            "channel": "telegram",
            "chat": str(r["telegram_id"]),
            "retailer_id": r["id"],
            "linked_at": r["updated_at"],
        }
        for r in rows
        if r.get("telegram_id") is not None
    ]
    if linked:
        await conn.execute(insert(tables.contacts), linked)
