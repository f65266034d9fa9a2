"""SIGTERM: what is due goes out for a few seconds, then the bot stops cleanly; nothing is lost."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

import pytest

from bot.app import DRAIN_SECONDS
from handlers.telegram.standin import Standin
from handlers.telegram.texts import say
from tests.e2e.harness import DeskProcess, desk_mapping, poll_mark, polling, write_config

RETAILERS = 12
# Interpreter exit and PTB's shutdown on top of the drain itself.
STOP_MARGIN = 4.0


def roster(folder: Path) -> None:
    rows = ["id,name,shop,phone,manager,telegram_id"]
    rows += [
        f"r{i},零售户{i},第{i}号店,139{i:08d},m{1 + i % 2},{100000 + i}" for i in range(RETAILERS)
    ]
    (folder / "retailers.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")


def start(tg: Standin, folder: Path, per_second: float = 0) -> DeskProcess:
    mapping = desk_mapping(tg, folder)
    mapping["flood"] = {"notify_every": 0}
    mapping["telegram"]["messages_per_second"] = per_second
    roster(folder)
    desk = DeskProcess(write_config(mapping, folder))
    desk.start()
    return desk


def outbox(folder: Path) -> list[tuple[str, int]]:
    with sqlite3.connect(folder / "desk.db", timeout=10) as db:
        return db.execute("select state, attempts from outbox order by id").fetchall()


def ask_everyone(tg: Standin) -> list[str]:
    asked = [f"问题-{i}" for i in range(RETAILERS)]
    for i, text in enumerate(asked):
        tg.user(100000 + i, f"零售户{i}").send(text)
    return asked


def relayed(tg: Standin) -> list[str]:
    return [
        line
        for chat in (5001, 5002)
        for message in tg.inbox(chat)
        for line in (message.get("text") or "").splitlines()
        if line.startswith("问题-")
    ]


def is_repeat(message: dict[str, object]) -> bool:
    return str(message.get("text") or "").startswith(say("zh", "repeat"))


async def terminated(desk: DeskProcess) -> tuple[int, float]:
    """Send SIGTERM and return the exit code and how long the stop took."""
    began = time.monotonic()
    code = await asyncio.to_thread(desk.terminate)
    return code, time.monotonic() - began


@pytest.mark.xdist_group("long")
async def test_sigterm_keeps_sending_a_few_seconds_then_stops(tg: Standin, tmp_path: Path) -> None:
    # Paced sending keeps a backlog in the outbox when the signal comes.
    desk = start(tg, tmp_path, per_second=4)
    await polling(tg)
    asked = ask_everyone(tg)
    await tg.wait_for(lambda: len(relayed(tg)) >= 2, timeout=30)

    signalled = time.monotonic()
    code, took = await terminated(desk)

    assert code == 0
    assert took < 2 * DRAIN_SECONDS + STOP_MARGIN
    sent_after = [c for c in tg.calls_to("sendMessage") if c.at > signalled and c.status == 200]
    assert sent_after, "the outbox kept draining after SIGTERM"
    log = desk.log.read_text(encoding="utf-8")
    assert "RetailDesk stopped" in log
    assert "Traceback" not in log
    left = [state for state, _ in outbox(tmp_path) if state != "sent"]
    assert left, "the drain is bounded; the rest waits for the next run"

    polls = poll_mark(tg)
    desk.start()
    # Signals sent before the restarted process installs its handlers would kill it outright.
    await polling(tg, polls)
    await tg.wait_for(lambda: set(relayed(tg)) == set(asked), timeout=30)
    # Paced at four a second, the acknowledgements may still be going out: nothing is lost, so
    # the next run sends every row the first one left, before it is stopped in turn.
    await tg.wait_for(lambda: all(state == "sent" for state, _ in outbox(tmp_path)), timeout=30)
    assert desk.terminate() == 0
    assert all(state == "sent" for state, _ in outbox(tmp_path))
    # Only a call cut off at the deadline goes out again, and then it is marked as a repeat.
    repeated = {
        line
        for chat in (5001, 5002)
        for m in tg.inbox(chat)
        if is_repeat(m)
        for line in str(m.get("text")).splitlines()
    }
    twice = [q for q in asked if relayed(tg).count(q) > 1]
    assert set(twice) <= repeated, "a clean stop sends nothing twice unmarked"
    assert all(relayed(tg).count(q) <= 2 for q in asked)


@pytest.mark.xdist_group("long")
async def test_sigterm_with_telegram_hanging_stops_in_time_and_loses_nothing(
    tg: Standin, tmp_path: Path
) -> None:
    desk = start(tg, tmp_path)
    await polling(tg)
    tg.stall("sendMessage", times=None, seconds=60)
    asked = ask_everyone(tg)
    await tg.wait_for(lambda: tg.calls_to("sendMessage"), timeout=30)

    code, took = await terminated(desk)

    assert code == 0
    assert took < 2 * DRAIN_SECONDS + STOP_MARGIN, "a hanging call does not hold the stop up"
    assert relayed(tg) == []
    assert "RetailDesk stopped" in desk.log.read_text(encoding="utf-8")

    tg.heal()
    desk.start()
    await tg.wait_for(lambda: sorted(relayed(tg)) == sorted(asked), timeout=30)
    assert desk.terminate() == 0
    assert all(state == "sent" for state, _ in outbox(tmp_path))
