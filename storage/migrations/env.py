"""Alembic environment: migrate on the connection the caller hands in, or on the URL given."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from storage.engine import make_engine
from storage.tables import metadata


def _migrate(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        # A progress bar's hook from storage.migrate.upgrade, when someone watches.
        on_version_apply=context.config.attributes.get("on_version_apply"),
    )
    with context.begin_transaction():
        context.run_migrations()


async def _migrate_url(url: str) -> None:
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(_migrate)
    await engine.dispose()


shared = context.config.attributes.get("connection")
if shared is not None:
    _migrate(shared)
else:
    asyncio.run(_migrate_url(context.config.get_main_option("sqlalchemy.url") or ""))
