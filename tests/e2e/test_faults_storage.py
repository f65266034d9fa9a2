"""The database is locked or the disk is full: updates stay unconfirmed or waiting, never lost."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from bot.app import RetailDesk, build, prepare
from bot.config import Settings
from handlers.telegram.standin import Standin
from tests.e2e.harness import desk_mapping, running_desk

LOCKED_FOR = 2.5
# The bot normally waits 10 s for SQLite's lock; the test lowers it so that waiting fails fast.
BUSY_MS = 150
UNLIMITED_PAGES = 4294967294


class Squeeze:
    """Lower the bot's busy timeout and, on demand, cap its database at its current size."""

    def __init__(self, app: RetailDesk) -> None:
        self.full = False
        event.listen(app.store.engine.sync_engine, "checkout", self._checkout)

    def _checkout(self, dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_MS}")
        # A cap below the current size sets it to the current size: no page can be added.
        cursor.execute(f"PRAGMA max_page_count = {1 if self.full else UNLIMITED_PAGES}")
        cursor.close()


@asynccontextmanager
async def locked(database: Path) -> AsyncIterator[None]:
    """Hold SQLite's write lock from another connection, as a stuck admin tool would."""
    # Taken without blocking the event loop: a desk in the middle of a write on this loop must
    # be able to finish it and let go.
    holder = sqlite3.connect(database, timeout=0, isolation_level=None)
    deadline = asyncio.get_running_loop().time() + 10
    while True:
        try:
            holder.execute("BEGIN IMMEDIATE")
            break
        except sqlite3.OperationalError:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.01)
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def settings(tg: Standin, folder: Path) -> Settings:
    mapping = desk_mapping(tg, folder)
    mapping["flood"] = {"notify_every": 0}
    return Settings.from_mapping(mapping, env={}, config_dir=folder)


def inbox_rows(folder: Path) -> list[tuple[str, int]]:
    with sqlite3.connect(folder / "desk.db") as db:
        return db.execute("select state, attempts from inbox order by id").fetchall()


def stored_questions(folder: Path) -> list[str]:
    with sqlite3.connect(folder / "desk.db") as db:
        return [r[0] for r in db.execute("select text from messages where from_retailer")]


def said_in(tg: Standin, chat_id: int, text: str) -> int:
    return sum(text in (m.get("text") or "") for m in tg.inbox(chat_id))


async def test_a_locked_database_leaves_updates_unconfirmed_until_it_frees(
    tg: Standin, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    zhang = tg.get_user(9001)
    caplog.set_level(logging.WARNING)
    async with running_desk(settings(tg, tmp_path), tg) as app:
        Squeeze(app)
        # Locked once the desk runs, not while it starts: its sender publishes the menus right
        # after taking over the outbox (a write that a locked database would make it give up).
        await tg.wait_for(lambda: tg.calls_to("setMyCommands"))
        async with locked(tmp_path / "desk.db"):
            polls = len(tg.calls_to("getUpdates"))
            for n in range(3):
                zhang.send(f"锁住时的问题{n}")
            # Several polls come and go; none may confirm what could not be stored.
            await tg.wait_for(lambda: len(tg.calls_to("getUpdates")) >= polls + 3, timeout=15)
            assert tg.pending_updates == 3
            assert tg.inbox(5001) == []
            await asyncio.sleep(LOCKED_FOR - 1)
            assert tg.pending_updates == 3
        await tg.wait_for(
            lambda: all(said_in(tg, 5001, f"锁住时的问题{n}") for n in range(3)), timeout=30
        )
    assert sorted(stored_questions(tmp_path)) == [f"锁住时的问题{n}" for n in range(3)]
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("updates stay unconfirmed" in e and "database is locked" in e for e in errors)
    assert not any("锁住时的问题" in r.getMessage() for r in caplog.records), "no text in logs"
    assert all(state == "done" for state, _ in inbox_rows(tmp_path))


@asynccontextmanager
async def parts(tg: Standin, folder: Path) -> AsyncIterator[RetailDesk]:
    """Build the app and start PTB, leaving each loop for the test to run by hand."""
    app = build(settings(tg, folder))
    await prepare(app)
    await app.telegram.application.initialize()
    try:
        yield app
    finally:
        await app.telegram.application.shutdown()
        await app.store.dispose()


async def run_for(loop: Any, seconds: float) -> None:
    """Run one of the app's loops for a while, then stop it; it must not crash meanwhile."""
    stop = asyncio.Event()
    task = asyncio.create_task(loop(stop))
    await asyncio.sleep(seconds)
    assert not task.done(), task.exception() if task.done() else None
    stop.set()
    await asyncio.wait_for(task, timeout=15)


async def test_stored_updates_wait_uncounted_while_the_database_is_locked(
    tg: Standin, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    async with parts(tg, tmp_path) as app:
        Squeeze(app)
        tg.get_user(9001).send("仓库锁了也要收到")
        tg.get_user(9002).send("我也是")
        assert await app.telegram.poller.poll_once() == 2
        async with locked(tmp_path / "desk.db"):
            # Several rounds of the intake fail to write; it keeps going and counts nothing.
            await run_for(app.telegram.intake.run, 3.0)
            assert inbox_rows(tmp_path) == [("new", 0), ("new", 0)]
        await app.telegram.intake.process_batch()
        await app.senders["telegram"].send_batch()
    assert said_in(tg, 5001, "仓库锁了也要收到") == 1
    assert said_in(tg, 5002, "我也是") == 1
    assert inbox_rows(tmp_path) == [("done", 0), ("done", 0)]
    paused = [r.getMessage() for r in caplog.records if "inbox processing paused" in r.getMessage()]
    assert len(paused) >= 2
    assert all("database is locked" in line for line in paused)


async def test_a_full_disk_keeps_updates_unconfirmed_or_waiting(
    tg: Standin, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    # A long question needs new pages wherever it is written.
    long_question = "请问这批货什么时候到？" * 300
    async with parts(tg, tmp_path) as app:
        # Migrations that rebuild a table leave free pages a write could reuse: none may be left.
        with sqlite3.connect(tmp_path / "desk.db", isolation_level=None) as db:
            db.execute("VACUUM")
        squeeze = Squeeze(app)

        # Full before the poll: the update cannot be stored, so Telegram keeps it.
        squeeze.full = True
        tg.get_user(9001).send(long_question)
        with pytest.raises(Exception, match="database or disk is full"):
            await app.telegram.poller.poll_once()
        assert tg.pending_updates == 1
        squeeze.full = False
        assert await app.telegram.poller.poll_once() == 1

        # Full after the poll: the stored update waits in the inbox, uncounted.
        squeeze.full = True
        await run_for(app.telegram.intake.run, 2.0)
        assert inbox_rows(tmp_path) == [("new", 0)]
        squeeze.full = False
        assert await app.telegram.intake.process_batch() == 1
        await app.senders["telegram"].send_batch()
    assert stored_questions(tmp_path) == [long_question]
    # Too long for one notification, it reaches the manager whole, in two parts.
    bodies = [m["text"].split("\n", 1)[1].split("\n\n↩️")[0] for m in tg.inbox(5001)]
    assert len(bodies) == 2
    assert "".join(bodies) == long_question
    logged = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("database or disk is full" in line for line in logged)
    assert not any("请问这批货" in r.getMessage() for r in caplog.records), "no text in logs"


async def test_a_full_disk_midway_through_a_batch_undoes_the_whole_batch(
    tg: Standin, tmp_path: Path
) -> None:
    zhang, liu = tg.get_user(9001), tg.get_user(9002)
    async with parts(tg, tmp_path) as app:
        squeeze = Squeeze(app)
        zhang.send("第一个问题")
        liu.send("第一个问题")
        await app.telegram.poller.poll_once()
        await app.telegram.intake.process_batch()
        await app.senders["telegram"].send_batch()

        # One batch: a short follow-up that fits, then one that needs pages the disk lacks.
        zhang.send("短的补充")
        liu.send("长的补充" * 1000)
        await app.telegram.poller.poll_once()
        squeeze.full = True
        with contextlib.suppress(Exception):
            await app.telegram.intake.process_batch()
        squeeze.full = False
        await app.telegram.intake.process_batch()
        await app.senders["telegram"].send_batch()
    # SQLite undid the whole batch, so nothing of it may count as done or be stored twice.
    assert sorted(stored_questions(tmp_path)) == sorted(
        ["第一个问题", "第一个问题", "短的补充", "长的补充" * 1000]
    )
    assert [state for state, _ in inbox_rows(tmp_path)] == ["done"] * 4
    assert said_in(tg, 5001, "短的补充") == 1
