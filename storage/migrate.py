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
from sqlalchemy.ext.asyncio import AsyncEngine

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

    def _run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        if progress is not None:
            config.attributes["on_version_apply"] = _counter(connection, revision, progress)
        command.upgrade(config, revision)

    async with engine.begin() as conn:
        await conn.run_sync(_run)


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
