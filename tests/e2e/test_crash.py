"""SIGKILL the whole app in the middle of a burst: every question still reaches its manager."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from handlers.telegram.standin import Standin
from tests.e2e.harness import DeskProcess, desk_mapping, polling, write_config

RETAILERS = 30
MESSAGES_EACH = 3


def big_roster(folder: Path) -> None:
    rows = ["id,name,shop,phone,manager,telegram_id"]
    rows += [
        f"r{i},零售户{i},第{i}号店,139{i:08d},m{1 + i % 2},{100000 + i}" for i in range(RETAILERS)
    ]
    (folder / "retailers.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")


def relayed_texts(tg: Standin) -> set[str]:
    found: set[str] = set()
    for chat in (5001, 5002):
        for message in tg.inbox(chat):
            body = message.get("text") or message.get("caption") or ""
            # A burst's follow-ups come batched, one bulleted line per message.
            lines = (line.removeprefix("• ") for line in body.splitlines())
            found.update(line for line in lines if line.startswith("问题-"))
    return found


@pytest.mark.xdist_group("long")
async def test_killed_mid_burst_loses_no_question(tg: Standin, tmp_path: Path) -> None:
    mapping = desk_mapping(tg, tmp_path)
    mapping["flood"] = {"notify_every": "2s"}
    big_roster(tmp_path)
    desk = DeskProcess(write_config(mapping, tmp_path))
    people = [tg.user(100000 + i, f"零售户{i}") for i in range(RETAILERS)]
    desk.start()
    await polling(tg)

    asked = [f"问题-{i}-{n}" for n in range(MESSAGES_EACH) for i in range(RETAILERS)]
    for text in asked:
        people[int(text.split("-")[1])].send(text)

    kills = 0
    for threshold in (5, 25, 50):
        # Kill as soon as part of the burst has gone out, with the rest in flight.
        await tg.wait_for(lambda t=threshold: len(relayed_texts(tg)) >= t, timeout=60)
        desk.kill()
        kills += 1
        desk.start()
    await tg.wait_for(lambda: relayed_texts(tg) >= set(asked), timeout=90)
    assert desk.terminate() == 0
    assert kills == 3

    with sqlite3.connect(tmp_path / "desk.db") as db:
        stored = [row[0] for row in db.execute("select text from messages where from_retailer")]
        inbox_states = dict(
            db.execute("select state, count(*) from inbox group by state").fetchall()
        )
    assert sorted(stored) == sorted(asked), "every question stored exactly once"
    assert set(inbox_states) == {"done"}
