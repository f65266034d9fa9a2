"""The console's CSVs: the week's summary and one row per ticket, never a complaint."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from reports import downloads
from reports.downloads import summary_csv, write_ticket_csv
from storage.tables import complaint_messages, complaints
from tests.integration.console_history import (
    M2,
    S1,
    SHANGHAI,
    TEAM,
    W47,
    History,
    conn,
    day,
    local,
)

__all__ = ["conn"]
START, END = W47.bounds(SHANGHAI)
SECRET = "经理收回扣"


async def seed(conn: AsyncConnection) -> dict[str, int]:
    h = History(conn)
    n = {
        "climbed": await h.ticket(
            "m1", local(day(1), 22), off_hours=True, first=4000, by="m2",
            resolved=local(day(1), 23, 30),
        ),
        "quick": await h.ticket("m2", local(day(2), 10), first=62.5, acknowledged=False),
        "theirs": await h.ticket("m3", local(day(2), 10), first=5),
        "before": await h.ticket("m1", local(day(-1), 10), first=5),
    }  # fmt: skip
    await h.escalate(n["climbed"], local(day(1), 22), 0, 1)
    # A second round climbs again; the column keeps the first time each rung fired.
    await h.event(n["climbed"], "escalated", local(day(1), 23, 50), target="x", step=0, round=1)
    await h.rate(n["climbed"], "m1", 2, local(day(2), 9), "太慢, 半夜没人")
    # A complaint against m2, confidential: no download may carry it.
    complaint = await conn.execute(
        insert(complaints).values(
            retailer_id="r2", manager_id="m2", supervisor_id="s1", opened_at=local(day(2), 11),
            policy="{}", last_step=-1,
        )
    )  # fmt: skip
    await conn.execute(
        insert(complaint_messages).values(
            complaint_id=complaint.inserted_primary_key[0], author_id="r2", from_retailer=True,
            kind="text", text=SECRET, at=local(day(2), 11),
        )
    )  # fmt: skip
    return n


async def tickets_csv(conn: AsyncConnection, scope: object) -> tuple[str, int]:
    out = io.StringIO()
    count = await write_ticket_csv(out, conn, TEAM, scope, START, END, SHANGHAI)  # type: ignore[arg-type]
    return out.getvalue(), count


async def test_one_row_per_ticket_with_every_moment(conn: AsyncConnection) -> None:
    n = await seed(conn)

    text, count = await tickets_csv(conn, S1)

    rows = list(csv.DictReader(io.StringIO(text)))
    assert count == 2
    assert [int(r["ticket"]) for r in rows] == [n["climbed"], n["quick"]]
    climbed, quick = rows
    assert climbed == {
        "ticket": str(n["climbed"]),
        "retailer": "r1",
        "retailer_name": "零售户r1",
        "shop": "r1号店",
        "manager": "m1",
        "manager_name": "李经理",
        "status": "resolved",
        "off_hours": "1",
        "opened_at": "2026-11-17T22:00:00+08:00",
        "acknowledged_at": "2026-11-17T22:00:01+08:00",
        "first_response_at": "2026-11-17T23:06:40+08:00",
        "first_response_s": "4000",
        "first_answered_by": "m2",
        "escalated_step_1_at": "2026-11-17T22:15:00+08:00",
        "escalated_step_2_at": "2026-11-17T22:30:00+08:00",
        "resolved_at": "2026-11-17T23:30:00+08:00",
        "rating": "2",
        "rating_comment": "太慢, 半夜没人",
        "rated_at": "2026-11-18T09:00:00+08:00",
    }
    assert (quick["acknowledged_at"], quick["first_response_s"]) == ("", "62.5")
    assert (quick["escalated_step_1_at"], quick["rating"], quick["resolved_at"]) == ("", "", "")


async def test_a_managers_downloads_hold_only_their_tickets_and_no_complaint(
    conn: AsyncConnection,
) -> None:
    n = await seed(conn)

    text, count = await tickets_csv(conn, M2)
    summary = (await summary_csv(conn, TEAM, M2, W47, SHANGHAI)).decode("utf-8-sig")

    assert count == 1
    assert [int(r["ticket"]) for r in csv.DictReader(io.StringIO(text))] == [n["quick"]]
    # No rung was reached on m2's tickets, so no rung columns either.
    assert "escalated_step" not in text
    for download in (text, summary):
        assert SECRET not in download
        assert "complaint" not in download
    header, row = list(csv.reader(io.StringIO(summary)))
    assert row[:3] == ["2026-W47", "m2", "王经理"]
    assert len(header) == len(row)


async def test_the_summary_csv_is_the_chats_table_for_the_scope(conn: AsyncConnection) -> None:
    await seed(conn)

    summary = (await summary_csv(conn, TEAM, S1, W47, SHANGHAI, lang="zh")).decode("utf-8-sig")

    rows = list(csv.reader(io.StringIO(summary)))
    assert [r[1] for r in rows[1:]] == ["m1", "m2"]
    assert "投诉" not in rows[0][0:]
    supervisor_text, _ = await tickets_csv(conn, S1)
    assert SECRET not in supervisor_text


async def test_rows_come_in_batches_without_loss(
    conn: AsyncConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = History(conn)
    made = [await h.ticket("m1", local(day(3), 10, i)) for i in range(5)]
    monkeypatch.setattr(downloads, "_BATCH", 2)

    text, count = await tickets_csv(conn, S1)

    assert count == 5
    assert [int(r["ticket"]) for r in csv.DictReader(io.StringIO(text))] == made
