"""A retailer floods the chat: every message is kept and shown, the manager's phone buzzes rarely."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from bot.config import Settings
from handlers.telegram.standin import Standin
from tests.e2e.harness import FakeClock, desk_mapping, running_desk, tick

MESSAGES = 40
EVERY = 2


def settings(tg: Standin, folder: Path) -> Settings:
    mapping = desk_mapping(tg, folder)
    mapping["flood"] = {"notify_every": EVERY, "slow_down_after": 20}
    return Settings.from_mapping(mapping, env={}, config_dir=folder)


def shown(tg: Standin, chat: int) -> set[str]:
    """Return the numbered messages the manager can read, wherever they were batched."""
    return {n for m in tg.inbox(chat) for n in re.findall(r"第(\d+)条", m.get("text") or "")}


async def test_forty_messages_reach_the_manager_in_a_few_notifications(
    tg: Standin, tmp_path: Path
) -> None:
    zhang = tg.get_user(9001)
    async with running_desk(settings(tg, tmp_path), tg, clock=FakeClock()) as app:
        for n in range(MESSAGES):
            zhang.send(f"第{n}条：烟呢？")
        told = await tg.wait_message(9001, contains="不必重复发送", timeout=10)
        await tg.wait_for(lambda: stored(tmp_path) == MESSAGES, timeout=30)
        # The first went at once; the rest wait for the period to end, however long it takes.
        await tick(app, seconds=EVERY - 0.1)
        assert len(shown(tg, 5001)) == 1
        await tick(app, seconds=0.1)
        assert len(shown(tg, 5001)) == MESSAGES

    notifications = tg.inbox(5001)
    # The first message at once, then one batch per period while the burst lasts.
    assert len(notifications) <= 4, [m["text"][:30] for m in notifications]
    assert notifications[0]["text"].startswith("🆕")
    assert all(m["text"].startswith(("🆕", "➕")) for m in notifications)
    to_retailer = [m["text"] for m in tg.inbox(9001)]
    assert sum("已收到您的问题" in t for t in to_retailer) == 1
    assert sum("不必重复发送" in t for t in to_retailer) == 1, "told to slow down once"
    assert told
    assert stored(tmp_path) == MESSAGES, "no message dropped"


def stored(folder: Path) -> int:
    """Count the retailer's messages the desk has stored."""
    with sqlite3.connect(folder / "desk.db") as db:
        return int(db.execute("select count(*) from messages where from_retailer").fetchone()[0])
