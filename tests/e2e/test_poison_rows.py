"""One outbox row or ticket the running code cannot process fails alone; everyone else goes on."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, update

from bot.app import RetailDesk
from desk.notices import Notice, NoticeKind
from desk.people import Address
from handlers.telegram.standin import Standin
from storage.codec import notice_body
from storage.tables import outbox, tickets
from tests.e2e.harness import (
    FakeClock,
    desk_mapping,
    desk_settings,
    running_desk,
    tick,
    write_config,
)
from tests.e2e.test_faults import retaildesk_status

ANSWER = Notice(
    to="r1",
    address=Address("telegram", "9001"),
    kind=NoticeKind.ANSWER,
    lang="zh",
    params={"staff": "李经理", "text": "明早给您送两条。"},
)

POISON_ROWS = {
    # Written by a newer release, then rolled back: this code knows no such notice.
    "unknown kind": {"kind": "bogus_kind", "body": notice_body(ANSWER)},
    "broken body": {"kind": "answer", "body": '{"params": '},
    # Readable, but its text cannot be filled: rendering fails, not decoding.
    "missing parameter": {"kind": "answer", "body": '{"params": {"text": "x"}, "buttons": []}'},
}


async def post_rows(app: RetailDesk, *rows: dict[str, Any]) -> None:
    """Write outbox rows for chat 9001 in one commit, as the desk would, and wake the sender."""
    now = app.desk.ctx.clock.now()
    common = {"recipient_id": "r1", "channel": "telegram", "chat_id": 9001, "lang": "zh"}
    common |= {"not_before": now, "created_at": now}
    async with app.store.writing(), app.store.engine.begin() as conn:
        for row in rows:
            await conn.execute(insert(outbox).values(common | row))
    app.store.outbox_posted.set()


@pytest.mark.parametrize("poison", POISON_ROWS.values(), ids=POISON_ROWS.keys())
async def test_a_row_that_cannot_be_sent_fails_alone_and_others_go_out_unmarked(
    tg: Standin, tmp_path: Path, poison: dict[str, str]
) -> None:
    config = write_config(desk_mapping(tg, tmp_path), tmp_path)
    async with running_desk(desk_settings(tg, tmp_path), tg) as app:
        # The poison row first, then a good one to the same chat in the same claim.
        await post_rows(app, poison, {"kind": "answer", "body": notice_body(ANSWER)})
        tg.get_user(9002).send("玉溪还有吗？")

        await tg.wait_message(5002, contains="玉溪还有吗？", timeout=10)
        await tg.wait_message(9001, contains="明早给您送两条。", timeout=10)
        status = await retaildesk_status(config)
        page = (await app.metrics.render(app.store)).decode()

    # Sent once, and not marked as a repeat: it never went out before.
    assert [m["text"] for m in tg.inbox(9001)] == ["李经理：明早给您送两条。"]
    with sqlite3.connect(tmp_path / "desk.db") as db:
        states = db.execute("select state, error from outbox where chat_id = 9001 order by id")
        [(state, error), (good, _)] = states.fetchall()
    assert (state, good) == ("failed", "sent")
    assert error.startswith(("unreadable: ", "cannot render: "))
    assert "outbox rows failed: 1" in status
    assert 'retaildesk_set_aside{what="outbox"} 1.0' in page.splitlines()


BROKEN_TICKETS = {
    # A policy snapshot this code cannot read, as after a rollback of a release.
    "unreadable policy": {"policy": '{"steps": '},
    # Readable, but no step of its ladder fits: processing it raises.
    "step it cannot take": {"last_step": -5},
}


@pytest.mark.parametrize("broken", BROKEN_TICKETS.values(), ids=BROKEN_TICKETS.keys())
async def test_a_ticket_the_ladder_cannot_process_is_set_aside_and_others_climb(
    tg: Standin, tmp_path: Path, broken: dict[str, Any]
) -> None:
    config = write_config(desk_mapping(tg, tmp_path), tmp_path)
    async with running_desk(desk_settings(tg, tmp_path), tg, clock=FakeClock()) as app:
        tg.get_user(9001).send("中华到货了吗？")
        tg.get_user(9002).send("玉溪还有吗？")
        await tg.wait_message(5001, contains="中华到货了吗？", timeout=10)
        await tg.wait_message(5002, contains="玉溪还有吗？", timeout=10)
        async with app.store.writing(), app.store.engine.begin() as conn:
            await conn.execute(update(tickets).where(tickets.c.retailer_id == "r1").values(broken))

        # An hour on, both reminders are due; the alarm rings for them.
        await tick(app, minutes=61)
        await tg.wait_message(5002, contains="提醒", timeout=1)
        status = await retaildesk_status(config)
        page = (await app.metrics.render(app.store)).decode()

    assert not [m for m in tg.inbox(5001) if "提醒" in (m.get("text") or "")]
    assert "escalations set aside: 1" in status
    assert 'retaildesk_set_aside{what="escalation"} 1.0' in page.splitlines()
    with sqlite3.connect(tmp_path / "desk.db") as db:
        stuck = db.execute(
            "select t.retailer_id, t.next_due_at from events e join tickets t on t.id = e.ticket_id"
            " where e.kind = 'stuck'"
        )
        assert stuck.fetchall() == [("r1", None)]
