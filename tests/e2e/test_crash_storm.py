"""SIGKILL the bot again and again while hundreds of questions arrive and managers answer.

Afterwards every question is stored once and reached its manager, every answer reached its
retailer, and every escalation step that fell due fired once. A notification sent just before a
kill and not yet recorded goes out again on restart; that is allowed only marked as a repeat,
and the test counts such repeats.
"""

from __future__ import annotations

import asyncio
import random
import re
import sqlite3
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.sender import IN_DOUBT, PARALLEL_CHATS, TRY_WINDOW
from handlers.telegram.standin import Standin
from tests.e2e.harness import DeskProcess, desk_mapping, polling, write_config

REMINDER, BACKUP = 5, 10
LADDER = [
    {"after": REMINDER, "notify": "manager"},
    {"after": BACKUP, "notify": "backup"},
    {"after": "1h", "notify": "supervisor"},
]
STAFF = {"m1": 5001, "m2": 5002}
NAMES = {"m1": "李经理", "m2": "王经理"}
REPEAT = "（重发）"
# The most one kill can leave in doubt: sends not yet recorded, and those in flight.
IN_DOUBT_PER_KILL = IN_DOUBT + PARALLEL_CHATS
# The most one kill can mark as repeats without a second copy: rows recorded as tried a
# window ahead of their send, and sends cut off before they reached Telegram.
FALSE_MARKS_PER_KILL = TRY_WINDOW + PARALLEL_CHATS
QUESTION = re.compile(r"问题-\d+-\d+")
ANSWER = re.compile(r"答-\d+-\d+")


@dataclass
class Storm:
    """What one storm did, and what the checks found."""

    kills: int = 0
    asked: list[str] = field(default_factory=list)
    answered: dict[str, int] = field(default_factory=dict)  # answer text -> retailer chat
    forward_repeats: int = 0
    answer_repeats: int = 0
    escalation_repeats: int = 0
    false_marks: int = 0  # marked as a repeat, yet the only copy
    escalations: int = 0

    def summary(self) -> str:
        return (
            f"kills survived: {self.kills}; questions: {len(self.asked)}; "
            f"answers: {len(self.answered)}; escalations fired: {self.escalations}; "
            f"repeats (marked): forwards {self.forward_repeats}, answers {self.answer_repeats}, "
            f"escalations {self.escalation_repeats}; marked but the only copy: {self.false_marks}"
        )


def roster(folder: Path, retailers: int) -> None:
    rows = ["id,name,shop,phone,manager,telegram_id"]
    rows += [
        f"r{i},零售户{i},第{i}号店,139{i:08d},m{1 + i % 2},{100000 + i}" for i in range(retailers)
    ]
    (folder / "retailers.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")


def manager_of(retailer: int) -> str:
    return f"m{1 + retailer % 2}"


def body(message: dict) -> str:
    return message.get("text") or message.get("caption") or ""


def forwards(tg: Standin, chat: int) -> list[dict]:
    """Return the question notifications in a staff chat (not reminders, which quote them)."""
    return [m for m in tg.inbox(chat) if body(m).removeprefix(REPEAT).lstrip()[:1] in "🆕➕"]


def questions_in(message: dict) -> list[str]:
    return QUESTION.findall(body(message))


def recorded_ids(folder: Path, chat: int) -> set[int]:
    """Return the message ids the bot recorded for a chat: the ones a reply maps back from."""
    with sqlite3.connect(folder / "desk.db", timeout=10) as db:
        query = "select message_id from outbox where chat_id = ? and message_id is not null"
        return {int(row[0]) for row in db.execute(query, (chat,))}


def answer_some(tg: Standin, folder: Path, storm: Storm, rng: random.Random, count: int) -> None:
    """Act as the managers: answer a few delivered questions by Telegram reply."""
    for manager, chat in STAFF.items():
        known = recorded_ids(folder, chat)
        open_ones = [
            m
            for m in forwards(tg, chat)
            if m["message_id"] in known
            and not any(q.replace("问题", "答") in storm.answered for q in questions_in(m))
        ]
        for message in rng.sample(open_ones, min(count, len(open_ones))):
            question = questions_in(message)[0]
            answer = question.replace("问题", "答")
            retailer = int(question.split("-")[1])
            storm.answered[answer] = 100000 + retailer
            tg.get_user(chat).send(answer, reply_to=message)
            assert manager_of(retailer) == manager


async def run_storm(
    tg: Standin, folder: Path, *, retailers: int, each: int, kills: int, seed: int
) -> Storm:
    rng = random.Random(seed)
    storm = Storm()
    mapping = desk_mapping(tg, folder, LADDER)
    mapping["flood"] = {"notify_every": 1}
    roster(folder, retailers)
    for staff_chat in (5001, 5002, 7001):
        tg.get_user(staff_chat)
    people = [tg.user(100000 + i, f"零售户{i}") for i in range(retailers)]
    desk = DeskProcess(write_config(mapping, folder))
    desk.start()
    await polling(tg)

    waves = [[f"问题-{i}-{n}" for i in range(retailers)] for n in range(each)]
    polls_before_start = 0
    for _ in range(kills):
        if waves:
            for text in waves.pop(0):
                people[int(text.split("-")[1])].send(text)
                storm.asked.append(text)
        answer_some(tg, folder, storm, rng, count=2)
        # Kill at a random moment: in start-up, mid-burst, mid-send or while idle.
        await asyncio.sleep(rng.uniform(0.3, 3.0))
        desk.kill()
        storm.kills += 1
        desk.start()
        # Any poll from now on is the new process's: the killed one can poll no more.
        polls_before_start = len(tg.calls_to("getUpdates"))
    for wave in waves:
        for text in wave:
            people[int(text.split("-")[1])].send(text)
            storm.asked.append(text)

    # Let the survivor finish: everything relayed, more answers, and the ladder as due.
    await tg.wait_for(lambda: all_relayed(tg, storm), timeout=120)
    answer_some(tg, folder, storm, rng, count=15)
    await tg.wait_for(lambda: all_relayed(tg, storm), timeout=60)
    await settle_ladder(tg, folder)
    # Everything may have been done by an earlier process: stop the last one only once it runs,
    # as a SIGTERM that lands while Python is still importing ends it before it can drain.
    await tg.wait_for(lambda: len(tg.calls_to("getUpdates")) > polls_before_start, timeout=60)
    assert desk.terminate() == 0
    check(tg, folder, storm)
    return storm


def all_relayed(tg: Standin, storm: Storm) -> bool:
    relayed = {q for chat in STAFF.values() for m in forwards(tg, chat) for q in questions_in(m)}
    answers = {a for chat in set(storm.answered.values()) for a in answered_in(tg, chat)}
    return relayed >= set(storm.asked) and answers >= set(storm.answered)


def answered_in(tg: Standin, chat: int) -> list[str]:
    return [a for m in tg.inbox(chat) for a in ANSWER.findall(body(m))]


async def settle_ladder(tg: Standin, folder: Path) -> None:
    """Wait until every step due by now has fired and the outbox is empty."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if not overdue(folder) and not unsent(folder) and tg.pending_updates == 0:
            return
        await asyncio.sleep(0.25)
    raise AssertionError(f"ladder or outbox never settled: {overdue(folder)[:5]}")


def overdue(folder: Path) -> list[tuple[int, str]]:
    """Return open tickets whose next step is due, or falls due while the bot shuts down."""
    # A step due a moment after the check would fire during SIGTERM's short drain, and under
    # load its notice could be left unsent: the storm settles only once none is that close.
    with sqlite3.connect(folder / "desk.db", timeout=10) as db:
        return db.execute(
            "select id, next_due_at from tickets where status = 'open' and next_due_at is not null"
            " and next_due_at < strftime('%Y-%m-%d %H:%M:%f', 'now', '+5 seconds')"
        ).fetchall()


def unsent(folder: Path) -> int:
    with sqlite3.connect(folder / "desk.db", timeout=10) as db:
        return db.execute(
            "select count(*) from outbox where state not in ('sent', 'failed', 'blocked')"
        ).fetchone()[0]


def check(tg: Standin, folder: Path, storm: Storm) -> None:
    with sqlite3.connect(folder / "desk.db") as db:
        stored = [r[0] for r in db.execute("select text from messages where from_retailer")]
        replies = [r[0] for r in db.execute("select text from messages where not from_retailer")]
        inbox_states = {r[0] for r in db.execute("select distinct state from inbox")}
        steps = db.execute(
            "select ticket_id, round, step, target, count(*) from events"
            " where kind = 'escalated' group by ticket_id, round, step"
        ).fetchall()
        waiting = db.execute(
            "select id, waiting_since, last_step from tickets where status = 'open'"
            " and waiting_since is not null"
        ).fetchall()
        outbox_states = {r[0] for r in db.execute("select distinct state from outbox")}

    assert sorted(stored) == sorted(storm.asked), "every question stored exactly once"
    assert sorted(replies) == sorted(storm.answered), "every answer stored exactly once"
    assert inbox_states == {"done"}
    assert outbox_states == {"sent"}

    # Every question reached its manager; a second copy only as a marked repeat.
    for chat in STAFF.values():
        seen = Counter(q for m in forwards(tg, chat) for q in questions_in(m))
        unmarked = Counter(
            q for m in forwards(tg, chat) if not body(m).startswith(REPEAT) for q in questions_in(m)
        )
        assert all(n == 1 for n in unmarked.values()), "unmarked duplicate forward"
        storm.forward_repeats += sum(seen.values()) - len(seen)
        storm.false_marks += sum(
            1
            for m in forwards(tg, chat)
            if body(m).startswith(REPEAT) and all(seen[q] == 1 for q in questions_in(m))
        )
    for question in storm.asked:
        manager = manager_of(int(question.split("-")[1]))
        assert any(question in questions_in(m) for m in forwards(tg, STAFF[manager])), question

    # Every answer reached its retailer, by the manager's name; again only repeats twice.
    for answer, chat in storm.answered.items():
        copies = [m for m in tg.inbox(chat) if answer in ANSWER.findall(body(m))]
        assert copies, answer
        assert len([m for m in copies if not body(m).startswith(REPEAT)]) == 1, answer
        storm.answer_repeats += len(copies) - 1
        storm.false_marks += len(copies) == 1 and body(copies[0]).startswith(REPEAT)

    # Every step fired once per round, and its notification arrived.
    assert all(count == 1 for *_, count in steps), "a step fired twice"
    storm.escalations = len(steps)
    rounds = Counter((ticket, step, target) for ticket, _round, step, target, _count in steps)
    for (ticket, step, target), fired_rounds in rounds.items():
        chat = STAFF.get(target, 7001)
        marker = "提醒" if step == 0 else f"第 {step + 1} 级"
        copies = [m for m in tg.inbox(chat) if marker in body(m) and f"#{ticket} " in body(m)]
        unmarked = [m for m in copies if not body(m).startswith(REPEAT)]
        assert len(copies) >= fired_rounds, (ticket, step, target)
        assert len(unmarked) <= fired_rounds, "unmarked duplicate escalation"
        storm.escalation_repeats += len(copies) - fired_rounds
    fired = {(t, s) for t, _r, s, *_ in steps}
    for ticket, _since, last_step in waiting:
        # Still waiting at the end: each step up to the last one fired was recorded.
        assert all((ticket, s) in fired for s in range(last_step + 1)), ticket


@pytest.mark.xdist_group("long")
async def test_ten_kills_during_a_burst_of_300_questions(tg: Standin, tmp_path: Path) -> None:
    storm = await run_storm(tg, tmp_path, retailers=60, each=5, kills=10, seed=20261127)
    print(storm.summary())
    assert storm.kills == 10
    assert storm.escalations > 0, "the ladder was exercised"
    assert len(storm.answered) >= 25
    # Repeats come only from sends made but not yet recorded when a kill lands.
    assert storm.forward_repeats + storm.answer_repeats <= storm.kills * IN_DOUBT_PER_KILL
    # A row claimed but never tried goes out unmarked after a kill.
    assert storm.false_marks <= storm.kills * FALSE_MARKS_PER_KILL


@pytest.mark.slow
async def test_thirty_kills_during_a_burst_of_600_questions(tg: Standin, tmp_path: Path) -> None:
    storm = await run_storm(tg, tmp_path, retailers=120, each=5, kills=30, seed=7)
    print(storm.summary())
    assert storm.kills == 30
    assert storm.forward_repeats + storm.answer_repeats <= storm.kills * IN_DOUBT_PER_KILL
    assert storm.false_marks <= storm.kills * FALSE_MARKS_PER_KILL
