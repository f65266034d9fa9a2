"""Managers this week on the console: the chat summary's figures, scoped, beside last week's."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection

from reports import Latency, Standards, weekly_summary
from reports.standings import FinishedWeeks, managers_this_week
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
NOW = local(day(6), 20)


async def two_weeks(conn: AsyncConnection) -> None:
    """Seed week 47 and the week before for m1, m2 and (another team's) m3."""
    h = History(conn)
    t1 = await h.ticket("m1", local(day(0), 10), first=60, resolved=local(day(0), 12))
    t2 = await h.ticket("m1", local(day(1), 10), first=1200)
    await h.escalate(t2, local(day(1), 10), 0)
    t3 = await h.ticket("m1", local(day(2), 22), off_hours=True, first=3000)
    await h.escalate(t3, local(day(2), 22), 0, 1)
    await h.event(t3, "on_it", local(day(2), 22, 10), actor="m1", seconds=600.0, round=0)
    await h.event(t3, "eta_broken", local(day(2), 22, 30), target="m1", round=0)
    await h.ticket("m1", local(day(6), 19))  # still waiting
    await h.rate(t1, "m1", 1, local(day(1), 9), "太慢")
    await h.rate(t2, "m1", 5, local(day(3), 9))
    await h.ticket("m2", local(day(0), 11), first=100)
    await h.ticket("m2", local(day(3), 23), off_hours=True, first=500)
    m3 = await h.ticket("m3", local(day(0), 10), first=5)
    await h.rate(m3, "m3", 1, local(day(1), 9), "m3's own")
    # The week before: m1 answered in 300 s, m2 in 900 s with a low rating.
    await h.ticket("m1", local(day(-5), 10), first=300, resolved=local(day(-5), 11))
    b2 = await h.ticket("m2", local(day(-4), 10), first=900, resolved=local(day(-4), 11))
    await h.rate(b2, "m2", 2, local(day(-3), 9))


async def test_a_supervisor_sees_each_of_their_managers_this_week(conn: AsyncConnection) -> None:
    await two_weeks(conn)

    board = await managers_this_week(conn, TEAM, S1, NOW, SHANGHAI)

    assert board.week == W47
    assert board.as_of == NOW
    assert board.target_seconds == 900
    assert [m.manager_id for m in board.managers] == ["m1", "m2"]
    m1, m2 = board.managers
    assert (m1.name, m1.open_now, m2.open_now) == ("李经理", 3, 2)
    assert m1.week.business == Latency(count=2, median=630, p90=1086, max=1200)
    assert m1.week.off_hours == Latency(count=1, median=3000, p90=3000, max=3000)
    assert (m1.week.met_target, m1.week.target_due) == (1, 4)
    assert m1.week.escalations == (2, 1, 0)
    assert m1.week.eta_broken == 1
    assert (m1.week.rating_average, m1.week.low_ratings) == (3.0, 1)
    assert m1.week.complaints is None
    assert m1.last_week.business.median == 300
    assert m1.business_median_change == 330
    assert m1.off_hours_median_change is None
    assert m1.within_target_change == 0.25 - 1.0
    assert (m1.escalations_change, m1.eta_broken_change) == (3, 1)
    assert m2.rating_average_change is None
    assert m2.low_ratings_change == -1
    assert m2.last_week.low_ratings == 1


async def test_the_console_and_the_chat_summary_agree(conn: AsyncConnection) -> None:
    await two_weeks(conn)
    standards = Standards(low_rating=1)

    board = await managers_this_week(conn, TEAM, S1, NOW, SHANGHAI, standards=standards)
    chat = await weekly_summary(conn, TEAM, W47, SHANGHAI, supervisor_id="s1", standards=standards)
    before = await weekly_summary(
        conn, TEAM, W47.previous(), SHANGHAI, supervisor_id="s1", standards=standards
    )

    # The chat shows a supervisor the complaint counts, which the console leaves to its own panel.
    assert [m.week for m in board.managers] == [replace(m, complaints=None) for m in chat.managers]
    assert [m.last_week for m in board.managers] == [
        replace(m, complaints=None) for m in before.managers
    ]


async def test_a_manager_sees_only_themselves(conn: AsyncConnection) -> None:
    await two_weeks(conn)

    board = await managers_this_week(conn, TEAM, M2, NOW, SHANGHAI)

    (m2,) = board.managers
    assert m2.manager_id == "m2"
    assert m2.week.received == 2
    assert m2.week.rating_count == 0


async def test_last_week_is_kept_once_finished(conn: AsyncConnection) -> None:
    await two_weeks(conn)
    finished = FinishedWeeks()
    first = await managers_this_week(conn, TEAM, S1, NOW, SHANGHAI, finished=finished)
    h = History(conn)
    h.count = 100
    # A row stamped last week, written after: the kept figures stand, this week's move on.
    await h.ticket("m1", local(day(-2), 10), first=10)
    await h.ticket("m1", NOW - timedelta(minutes=5))

    second = await managers_this_week(conn, TEAM, S1, NOW, SHANGHAI, finished=finished)

    assert second.managers[0].last_week == first.managers[0].last_week
    assert second.managers[0].week.received == first.managers[0].week.received + 1
    fresh = await managers_this_week(conn, TEAM, S1, NOW, SHANGHAI)
    assert fresh.managers[0].last_week.received == 2


async def test_the_console_never_reads_the_complaints_tables(conn: AsyncConnection) -> None:
    await two_weeks(conn)
    seen: list[str] = []

    def keep(_c: object, _cur: object, sql: str, *_: object) -> None:
        seen.append(sql)

    event.listen(conn.sync_engine, "before_cursor_execute", keep)
    try:
        await managers_this_week(conn, TEAM, S1, NOW, SHANGHAI)
    finally:
        event.remove(conn.sync_engine, "before_cursor_execute", keep)

    assert seen
    assert not [sql for sql in seen if "complaint" in sql]
