"""Create and upgrade the schema with Alembic, on the application's own engine."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str | None = None) -> Config:
    """Return an Alembic config pointing at the packaged migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url:
        config.set_main_option("sqlalchemy.url", url)
    return config


async def upgrade(
    engine: AsyncEngine,
    revision: str = "head",
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Bring the schema up to a revision (the newest by default), telling progress each step."""
    await _migrate(engine, command.upgrade, revision, progress)


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    """Take the schema back down to an earlier revision."""
    await _migrate(engine, command.downgrade, revision)


async def _migrate(
    engine: AsyncEngine,
    step: Callable[[Config, str], None],
    revision: str,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Run Alembic on one connection, in one transaction."""

    def _run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        if progress is not None:
            config.attributes["on_version_apply"] = _counter(connection, revision, progress)
        step(config, revision)

    async with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            # SQLite rebuilds a table to change a column; with foreign keys enforced, dropping
            # the old copy of a table others refer to fails. SQLite's own recipe: switch them
            # off outside the transaction, check every reference before committing.
            await _pragma(conn, "foreign_keys=OFF")
        try:
            await conn.run_sync(_run)
            if sqlite:
                broken = (await conn.exec_driver_sql("PRAGMA foreign_key_check")).all()
                if broken:
                    raise RuntimeError(f"the upgrade would break references in {broken[0][0]}")
            await conn.commit()
        finally:
            if sqlite:
                await conn.rollback()
                await _pragma(conn, "foreign_keys=ON")


def _counter(
    connection: Connection, revision: str, progress: Callable[[int, int], None]
) -> Callable[..., None]:
    """Return an Alembic on_version_apply hook that counts the revisions still to apply."""
    current = MigrationContext.configure(connection).get_current_revision()
    script = ScriptDirectory.from_config(alembic_config())
    total = len(list(script.iterate_revisions(revision, current)))
    applied = 0
    progress(applied, total)

    def applied_one(**_step: Any) -> None:
        nonlocal applied
        applied += 1
        progress(applied, total)

    return applied_one


async def at_head(engine: AsyncEngine) -> bool:
    """Tell whether the schema is at the newest revision, without changing anything."""

    def _current(connection: Connection) -> bool:
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        return MigrationContext.configure(connection).get_current_revision() == head

    async with engine.connect() as conn:
        reading = await conn.execution_options(reading=True)
        return await reading.run_sync(_current)


async def _pragma(conn: AsyncConnection, pragma: str) -> None:
    """Set a SQLite pragma outside any transaction, where it takes effect."""
    await conn.execution_options(outside_transaction=True)
    try:
        await conn.exec_driver_sql(f"PRAGMA {pragma}")
        await conn.commit()
    finally:
        await conn.execution_options(outside_transaction=False)
