"""The one-trip aiosqlite cursor under SQLAlchemy: rows, counts and errors as sqlite3 has them."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import stat
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import sqlite_driver
from storage.engine import make_engine
from tests.databases import sqlite_with

metadata = MetaData()
shelf = Table(
    "shelf",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("brand", String, nullable=False, unique=True),
    Column("cartons", Integer, nullable=False),
)


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    async with sqlite_with(metadata, tmp_path / "shelf.db") as engine:
        yield engine


def trips(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Count every trip to the driver's thread from now on."""
    taken: list[str] = []
    real = sqlite_driver.OneHopConnection.in_thread

    async def counted(self: sqlite_driver.OneHopConnection, function: Any, *args: Any) -> Any:
        taken.append(str(args[0]).split()[0] if args else function.__name__)
        return await real(self, function, *args)

    monkeypatch.setattr(sqlite_driver.OneHopConnection, "in_thread", counted)
    return taken


async def test_rows_counts_and_returning_match_sqlite(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        returned = await conn.execute(
            insert(shelf).returning(shelf.c.id),
            [{"brand": "软中华", "cartons": 2}, {"brand": "玉溪", "cartons": 5}],
        )
        assert sorted(returned.scalars().all()) == [1, 2]
        single = await conn.execute(insert(shelf).values(brand="黄鹤楼", cartons=1))
        assert single.inserted_primary_key == (3,)
        changed = await conn.execute(update(shelf).where(shelf.c.cartons < 5).values(cartons=0))
        assert changed.rowcount == 2
        rows = (await conn.execute(select(shelf.c.brand).order_by(shelf.c.id))).all()
    assert [r.brand for r in rows] == ["软中华", "玉溪", "黄鹤楼"]


async def test_each_statement_is_one_trip(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with engine.connect() as conn:
        taken = trips(monkeypatch)
        await conn.execute(insert(shelf), [{"brand": f"b{i}", "cartons": i} for i in range(50)])
        await conn.execute(select(shelf))
        await conn.scalar(select(shelf.c.cartons).where(shelf.c.brand == "b7"))
        await conn.commit()
    # SQLAlchemy's own adapter makes four trips a statement: cursor, execute, fetch, close.
    assert [t.upper() for t in taken] == ["BEGIN", "INSERT", "SELECT", "SELECT"]


async def test_errors_are_sqlalchemy_s_and_the_connection_goes_on(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.execute(insert(shelf).values(brand="软中华", cartons=2))
        with pytest.raises(IntegrityError):
            await conn.execute(insert(shelf).values(brand="软中华", cartons=3))
        with pytest.raises(OperationalError):
            await conn.execute(text("SELECT nothing FROM nowhere"))
        await conn.rollback()
        assert await conn.scalar(select(shelf.c.cartons)) is None


def test_a_file_that_cannot_be_opened_leaves_no_thread_failing_behind(tmp_path: Path) -> None:
    # A command that fails to open its database ends its event loop at once; aiosqlite's own
    # stop would then reach the thread after the loop closed, one time in ten or so.
    failures: list[threading.ExceptHookArgs] = []
    previous = threading.excepthook
    threading.excepthook = failures.append

    async def fail_to_open() -> None:
        with pytest.raises(sqlite3.OperationalError):
            await sqlite_driver.connect(str(tmp_path / "nowhere" / "desk.db"))

    try:
        for _ in range(50):
            asyncio.run(fail_to_open())
        for thread in threading.enumerate():
            if "_connection_worker_thread" in thread.name:
                thread.join(timeout=10)
    finally:
        threading.excepthook = previous
    assert [str(f.exc_value) for f in failures] == []


def modes(folder: Path) -> dict[str, int]:
    return {p.name: stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir()}


async def test_the_database_and_its_wal_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        engine = make_engine("sqlite:///desk.db", tmp_path)
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE said (words TEXT)"))
            await conn.execute(text("INSERT INTO said VALUES ('软中华还有货吗')"))
        files = modes(tmp_path)
        await engine.dispose()
    finally:
        os.umask(previous)
    assert files == {"desk.db": 0o600, "desk.db-wal": 0o600, "desk.db-shm": 0o600}
