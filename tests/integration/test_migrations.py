"""The migrations build exactly the schema storage/tables.py describes, on every backend."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection

from storage.tables import metadata
from tests.databases import BACKENDS, migrated_engine


def _differences(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": False})
    return list(compare_metadata(context, metadata))


@pytest.mark.parametrize("backend", BACKENDS)
async def test_migrated_schema_matches_the_tables(backend: str, tmp_path: Path) -> None:
    async with migrated_engine(backend, tmp_path) as engine, engine.connect() as conn:
        differences = await conn.run_sync(_differences)
    assert differences == []
