"""Create the async engine for a storage URL, tuned per database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool, PoolResetState

from storage import sqlite_driver


def async_url(url: str, base_dir: Path | None = None) -> str:
    """Turn a config URL into an async driver URL; SQLite paths are relative to base_dir."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not Path(database).is_absolute():
            database = str((base_dir or Path.cwd()) / database)
        return str(parsed.set(drivername="sqlite+aiosqlite", database=database))
    if backend in {"postgresql", "postgres"}:
        return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
    raise ValueError(f"unsupported storage URL {url!r}: use sqlite:///FILE or postgresql://...")


def make_engine(url: str, base_dir: Path | None = None, *, pool_size: int = 5) -> AsyncEngine:
    """Create an engine; SQLite gets WAL, a busy timeout and immediate write transactions."""
    # hide_parameters: errors (and so logs) never echo values, which carry what retailers wrote.
    driver_url = async_url(url, base_dir)
    if driver_url.startswith("sqlite"):
        database = make_url(driver_url).database or ":memory:"
        options: dict[str, Any] = {"poolclass": NullPool} if ":memory:" in driver_url else {}
        engine = create_async_engine(
            driver_url,
            hide_parameters=True,
            async_creator=lambda: sqlite_driver.connect(database),
            # Reset below, only when SQLite really has a transaction open.
            pool_reset_on_return=None,
            **options,
        )
        _tune_sqlite(engine)
        return engine
    return create_async_engine(
        driver_url, hide_parameters=True, pool_size=pool_size, max_overflow=pool_size
    )


def _tune_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take over transaction control so that writes start with BEGIN IMMEDIATE and
        # never deadlock upgrading a read lock when another process writes.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Copying the log back into a large file costs an fsync and scattered writes, inside
        # the commit that finds the log long. A running bot checkpoints every second off the
        # writer's path (storage/checkpoint.py); this is only the backstop.
        cursor.execute("PRAGMA wal_autocheckpoint=10000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "reset")
    def _on_reset(dbapi_connection: Any, _record: Any, state: PoolResetState) -> None:
        # A connection back from a committed transaction has nothing to undo, and a needless
        # rollback is one more trip to the driver's thread per transaction.
        if state.asyncio_safe and sqlite_driver.in_transaction(dbapi_connection):
            dbapi_connection.rollback()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        options = conn.get_execution_options()
        if options.get("outside_transaction", False):
            # A pragma such as foreign_keys does nothing inside a transaction.
            return
        # Readers ask for a deferred transaction so they never queue behind the writer.
        reading = options.get("reading", False)
        conn.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")
