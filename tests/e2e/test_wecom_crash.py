"""SIGKILL the desk in the middle of a burst of kf messages: every question still reaches its manager.

The desk runs as `retaildesk run` with [wecom] set, so it serves the callback URL beside its
loops; its WeChat couriers are not wired yet, so "reaches its manager" is read in the outbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from desk.clock import SystemClock
from handlers.wecom.standin import WecomStandin
from tests.e2e.harness import DeskProcess, write_config
from tests.e2e.wecom_harness import (
    MEMBERS,
    app_to,
    free_port,
    link_of,
    said,
    until,
    wecom_mapping,
)

RETAILERS = 6
MESSAGES_EACH = 4
MANAGERS = ("LiJingLi", "WangJingLi")


def manager_of(text: str) -> str:
    """Return whose retailer asked: retailer i belongs to m1 when i is even (see roster)."""
    retailer = 0 if text == "最后一个问题" else int(text.split("-")[1])
    return MANAGERS[retailer % 2]


@pytest.fixture
async def wecom() -> AsyncIterator[WecomStandin]:
    async with WecomStandin(SystemClock(), members=set(MEMBERS)) as standin:
        yield standin


def roster(folder: Path) -> None:
    rows = ["id,name,shop,phone,manager,telegram_id"]
    rows += [f"r{i},零售户{i},第{i}号店,139{i:08d},m{1 + i % 2}," for i in range(RETAILERS)]
    (folder / "retailers.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")


def read(db: Path, query: str) -> list[tuple[object, ...]]:
    try:
        with contextlib.closing(sqlite3.connect(db, timeout=5)) as conn:
            return conn.execute(query).fetchall()
    except sqlite3.OperationalError:
        return []  # not created or not migrated yet


async def running(desk: DeskProcess, wecom: WecomStandin) -> None:
    """Wait until the desk answers WeCom's URL check and its loops run."""

    async def answered() -> bool:
        with contextlib.suppress(aiohttp.ClientError):
            return (await wecom.callbacks.check_url()).passed
        return False

    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while not (await answered() and "RetailDesk is running" in desk.log.read_text("utf-8")):
        assert desk.alive and loop.time() < deadline, desk.log.read_text("utf-8")[-3000:]
        await asyncio.sleep(0.1)


@pytest.mark.xdist_group("long")
async def test_killed_mid_burst_every_kf_question_reaches_its_manager(
    wecom: WecomStandin, tmp_path: Path
) -> None:
    port = free_port()
    mapping = wecom_mapping(wecom, tmp_path, port=port)
    # Follow-ups reach the manager at once, so every question is seen without waiting out a batch.
    mapping["flood"] = {"notify_every": 0}
    roster(tmp_path)
    db = tmp_path / "desk.db"
    desk = DeskProcess(write_config(mapping, tmp_path))
    wecom.point_callbacks_at(f"http://127.0.0.1:{port}/wecom/callback")
    desk.start()
    try:
        await running(desk, wecom)
        for i in range(RETAILERS):
            await wecom.retailer_enters(f"wm{i:04d}", link_of(f"r{i}"))
        await until(lambda: len(read(db, "select * from contacts")) == RETAILERS, timeout=30)

        asked = [f"问题-{i}-{n}" for n in range(MESSAGES_EACH) for i in range(RETAILERS)]

        async def burst() -> None:
            for text in asked:
                await wecom.retailer_writes(f"wm{int(text.split('-')[1]):04d}", text)

        linked = len(wecom.callbacks.deliveries)
        sending = asyncio.create_task(burst())
        stored_sql = "select text from messages where from_retailer"
        # Killed a third of the way through the burst, with its syncs and handling under way.
        third = linked + len(asked) // 3
        await until(lambda: len(wecom.callbacks.deliveries) >= third, timeout=30)
        desk.kill()
        await sending
        # The kill fell inside the burst: callbacks went unanswered while the desk was down.
        assert any(not d.accepted for d in wecom.callbacks.deliveries)
        desk.start()
        await running(desk, wecom)
        # Callbacks posted while the desk was down were lost; the next one syncs them all.
        await wecom.retailer_writes("wm0000", "最后一个问题")
        asked.append("最后一个问题")
        await until(lambda: len(read(db, stored_sql)) >= len(asked), timeout=60)
        questions = read(
            db,
            "select t.retailer_id, o.chat_id from outbox o join tickets t on t.id = o.ticket_id "
            "where o.kind = 'question' and o.channel = 'wecom'",
        )

        # And every question reached its own manager's app chat, as WeCom received it.
        def unseen() -> list[str]:
            seen = {m: " ".join(said(d) for d in app_to(wecom, m)) for m in MANAGERS}
            return [t for t in asked if t not in seen[manager_of(t)]]

        await until(lambda: not unseen(), timeout=60)
        assert desk.terminate() == 0
    finally:
        if desk.alive:
            desk.kill()

    stored = [row[0] for row in read(db, stored_sql)]
    assert sorted(stored) == sorted(asked), "every question stored exactly once"
    managers = {f"r{i}": ("LiJingLi" if i % 2 == 0 else "WangJingLi") for i in range(RETAILERS)}
    assert sorted(questions) == sorted(managers.items()), "one question card per ticket"
    states = dict(read(db, "select state, count(*) from inbox group by state"))
    assert set(states) == {"done"}
