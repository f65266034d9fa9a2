"""The Bot API misbehaves for a while: everything still arrives once it recovers, and only once."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from bot.app import RetailDesk
from bot.config import Settings
from handlers.telegram.standin import Standin
from tests.e2e.harness import FakeClock, desk_mapping, running_desk, tick, write_config

# The reminder falls inside the outage, so it too must wait for Telegram to come back.
REMINDER_AT = 1
LADDER = [{"after": REMINDER_AT, "notify": "manager"}, {"after": "1h", "notify": "supervisor"}]
OUTAGE = 2.0
RECOVERY = 40.0
ROOT = Path(__file__).resolve().parents[2]


def quick_settings(tg: Standin, folder: Path, ladder: list | None = None) -> Settings:
    """Return the small team's settings with follow-ups batched per second, not per 30."""
    mapping = desk_mapping(tg, folder, ladder)
    mapping["flood"] = {"notify_every": 1}
    return Settings.from_mapping(mapping, env={}, config_dir=folder)


async def quiet(app: RetailDesk, tg: Standin, within: float = 20) -> None:
    """Wait until the outbox is empty and Telegram has nothing left to hand over."""
    deadline = time.monotonic() + within
    while (await app.outbox.backlog()).pending or tg.pending_updates:
        assert time.monotonic() < deadline, "the outbox never emptied"
        await asyncio.sleep(0.1)


def texts(tg: Standin, chat_id: int) -> list[str]:
    return [m.get("text") or m.get("caption") or "" for m in tg.inbox(chat_id)]


def arm(tg: Standin, kind: str) -> None:
    """Break every Bot API method, getUpdates included, in one way."""
    if kind == "stall":
        # Each stalled call hangs, then times out; a handful covers the outage.
        tg.stall("*", times=6, seconds=OUTAGE / 2)
    elif kind == "drop":
        tg.drop("*", times=12)
    elif kind == "5xx":
        # The first fault still in force wins: 500, then 502, then 503, three calls each.
        # Counted in calls, not seconds, so a slow machine cannot skip one of them.
        for status in (500, 502, 503):
            tg.fail("*", status=status, times=3)
    else:
        tg.fail("*", status=int(kind), seconds=OUTAGE, retry_after=1)


@pytest.mark.parametrize("kind", ["429", "5xx", "stall", "drop"])
async def test_everything_arrives_once_after_an_outage(
    tg: Standin, tmp_path: Path, kind: str
) -> None:
    zhang, liu, li = tg.get_user(9001), tg.get_user(9002), tg.get_user(5001)
    async with running_desk(quick_settings(tg, tmp_path, LADDER), tg) as app:
        zhang.send("软中华还有货吗？")
        question = await tg.wait_message(5001, contains="软中华还有货吗？")
        await tg.wait_message(9001, contains="已收到")
        broken = len(tg.calls)

        arm(tg, kind)
        li.send("有的，明早送到。", reply_to=question)
        li.press(question, "on:1")
        zhang.send("要两条。")
        liu.send("订单什么时候到？")

        # The answer, the follow-up, the new ticket's acknowledgement and question, and the
        # reminder that fell due meanwhile all arrive.
        await tg.wait_for(
            lambda: (
                any("明早送到" in t for t in texts(tg, 9001))
                and any("要两条" in t for t in texts(tg, 5001))
                and any("已收到" in t for t in texts(tg, 9002))
                and any("订单什么时候到" in t for t in texts(tg, 5002))
                and any("提醒" in t for t in texts(tg, 5001))
            ),
            timeout=RECOVERY,
        )
        failed = {c.status for c in tg.calls[broken:] if c.status != 200}
        assert failed, "the fault really hit the bot"
        if kind == "5xx":
            assert failed >= {500, 502, 503}
        eta_offer = await tg.wait_message(5001, contains="预计多久答复", timeout=RECOVERY)
        assert eta_offer
        await quiet(app, tg)

    # Each outbox row became exactly one message; the only other one is the ETA offer.
    rows = outbox_rows(tmp_path)
    assert set(rows.values()) == {"sent"}
    per_chat = Counter(chat for chat, _ in rows)
    direct = {5001: 1}
    for chat in (9001, 9002, 5001, 5002, 7001):
        assert len(tg.inbox(chat)) == per_chat[chat] + direct.get(chat, 0), chat
    assert texts(tg, 9001).count("李经理：有的，明早送到。") == 1
    assert not any(t.startswith("（重发）") for chat in (9001, 5001) for t in texts(tg, chat))


async def test_a_long_getupdates_outage_delivers_every_update_once(
    tg: Standin, tmp_path: Path
) -> None:
    zhang = tg.get_user(9001)
    async with running_desk(quick_settings(tg, tmp_path), tg) as app:
        tg.fail("getUpdates", status=502, seconds=OUTAGE)
        for n in range(5):
            zhang.send(f"第{n}个问题")
        await tg.wait_for(
            lambda: all(any(f"第{n}个问题" in t for t in texts(tg, 5001)) for n in range(5)),
            timeout=RECOVERY,
        )
        await quiet(app, tg)
        assert [c.status for c in tg.calls_to("getUpdates")].count(502) >= 2
    for n in range(5):
        assert sum(f"第{n}个问题" in t for t in texts(tg, 5001)) == 1
    assert len([t for t in texts(tg, 9001) if "已收到" in t]) == 1


async def test_status_shows_the_backlog_while_telegram_is_down(tg: Standin, tmp_path: Path) -> None:
    config = write_config(desk_mapping(tg, tmp_path), tmp_path)
    # The clock stands still, so the failed rows wait for their retry until the test moves it.
    async with running_desk(quick_settings(tg, tmp_path), tg, clock=FakeClock()) as app:
        tg.fail("sendMessage", status=503)
        tg.get_user(9001).send("在吗？")
        await tg.wait_for(lambda: len(tg.calls_to("sendMessage")) >= 2, timeout=15)

        during = await retaildesk_status(config)
        assert "open tickets: 1" in during
        assert "outbox backlog: 2" in during  # the acknowledgement and the question
        assert "oldest undelivered: -" not in during
        assert "Service Unavailable" in during

        tg.heal()
        await tick(app, minutes=2)  # past any backoff of a first failure
        await tg.wait_message(5001, contains="在吗？", timeout=RECOVERY)
        await tg.wait_for(lambda: texts(tg, 9001), timeout=RECOVERY)
        after = await retaildesk_status(config)
    assert "outbox backlog: 0" in after
    assert "oldest undelivered: -" in after


def outbox_rows(folder: Path) -> dict[tuple[int, int], str]:
    """Return every outbox row's state by (chat, row id)."""
    with sqlite3.connect(folder / "desk.db") as db:
        rows = db.execute("select chat_id, id, state from outbox").fetchall()
    return {(int(chat), row): state for chat, row, state in rows}


async def retaildesk_status(config: Path) -> str:
    """Run `retaildesk status` as an admin would, beside the running bot."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "status",
        "--config",
        str(config),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    started = time.monotonic()
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, err.decode()
    assert time.monotonic() - started < 60
    return out.decode()
