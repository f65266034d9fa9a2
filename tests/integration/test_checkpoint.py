"""The background checkpoint: the log is copied back without a commit having to do it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.checkpoint import Checkpointer
from tests.databases import sqlite_with

metadata = MetaData()
notes = Table("notes", metadata, Column("id", Integer, primary_key=True), Column("text", String))


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    async with sqlite_with(metadata, tmp_path / "desk.db") as engine:
        yield engine


async def write(engine: AsyncEngine, rows: int) -> None:
    async with engine.begin() as conn:
        await conn.execute(insert(notes), [{"text": "问题" * 50} for _ in range(rows)])


async def test_a_checkpoint_copies_the_whole_log_back(engine: AsyncEngine) -> None:
    await write(engine, 2_000)

    busy, pages, copied = await Checkpointer(engine).checkpoint()

    assert busy == 0
    assert pages > 50, "the writes went to the log, not straight into the file"
    assert copied == pages


class Watched(Checkpointer):
    """A checkpointer that says when it has run twice since the test asked."""

    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__(engine, every=0.05)
        self.since: int | None = None
        self.twice = asyncio.Event()

    async def checkpoint(self) -> tuple[int, int, int]:
        done = await super().checkpoint()
        if self.since is not None and self.runs >= self.since + 2:
            self.twice.set()
        return done


async def test_the_loop_checkpoints_until_stopped(engine: AsyncEngine) -> None:
    checkpoints = Watched(engine)
    stop = asyncio.Event()
    running = asyncio.create_task(checkpoints.run(stop))
    await write(engine, 2_000)
    checkpoints.since = checkpoints.runs
    async with asyncio.timeout(10):
        await checkpoints.twice.wait()
    stop.set()
    async with asyncio.timeout(5):
        await running
    # A run after the write found the log and copied all of it back.
    assert checkpoints.last is not None
    busy, pages, copied = checkpoints.last
    assert busy == 0 and pages > 50 and copied == pages


async def test_a_stopped_loop_ends_without_another_checkpoint(engine: AsyncEngine) -> None:
    checkpoints = Checkpointer(engine, every=60)
    stop = asyncio.Event()
    running = asyncio.create_task(checkpoints.run(stop))
    await asyncio.sleep(0)
    stop.set()
    async with asyncio.timeout(5):
        await running
    assert checkpoints.runs == 0
