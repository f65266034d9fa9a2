"""Databases for store tests: a SQLite file, and PostgreSQL when its URL is given."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from storage.engine import async_url, make_engine
from storage.migrate import upgrade

PG_URL = os.environ.get("RETAILDESK_TEST_PG_URL")
BACKENDS = [
    "sqlite",
    pytest.param(
        "postgresql",
        marks=pytest.mark.skipif(
            PG_URL is None and not os.environ.get("CI"),
            reason="RETAILDESK_TEST_PG_URL not set",
        ),
    ),
]


@asynccontextmanager
async def migrated_engine(backend: str, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """Yield a migrated engine of its own: a fresh SQLite file, or a fresh PostgreSQL schema."""
    if backend == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
        await upgrade(engine)
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
        await upgrade(engine)
        yield engine
    finally:
        await engine.dispose()
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()
