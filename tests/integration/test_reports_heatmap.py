"""When questions come: local weekday and hour cells, counts and median first responses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from reports.heatmap import KeptHeatmaps, question_heatmap
from tests.integration.console_history import M2, S1, SHANGHAI, History, conn, day, local

__all__ = ["conn"]
NOW = local(day(6), 20)


async def test_cells_count_questions_and_take_the_median(conn: AsyncConnection) -> None:
    h = History(conn)
    # Wednesday 10:00-10:59 local: three answered (60, 120, 600 s) and one waiting.
    for minute, first in ((0, 60), (20, 600), (40, 120)):
        await h.ticket("m1", local(day(2), 10, minute), first=first)
    await h.ticket("m2", local(day(2), 10, 50))
    # Monday 23:00 local is Monday 15:00 UTC: the local hour counts. Two answers: 100 and 301.
    await h.ticket("m2", local(day(0), 23, 5), first=100, off_hours=True)
    await h.ticket("m2", local(day(-7), 23, 5), first=301, off_hours=True)
    # Out of the window, or of the scope.
    await h.ticket("m1", NOW - timedelta(weeks=4, minutes=1), first=5)
    await h.ticket("m3", local(day(2), 10), first=5)

    found = await question_heatmap(conn, S1, NOW, SHANGHAI)

    assert found.timezone == "Asia/Shanghai"
    assert (found.start, found.end) == (NOW - timedelta(weeks=4), NOW)
    assert len(found.cells) == 168
    wednesday = found.cell(2, 10)
    assert (wednesday.weekday, wednesday.hour) == (2, 10)
    assert (wednesday.questions, wednesday.answered) == (4, 3)
    assert wednesday.median_first_response == 120
    monday = found.cell(0, 23)
    assert (monday.questions, monday.answered) == (2, 2)
    assert monday.median_first_response == 200.5
    assert sum(c.questions for c in found.cells) == 6
    assert found.busiest == 4
    assert found.cell(0, 15).questions == 0
    assert found.cell(0, 15).median_first_response is None

    mine = await question_heatmap(conn, M2, NOW, SHANGHAI)
    assert sum(c.questions for c in mine.cells) == 3


async def test_hours_follow_the_zones_clock_change(conn: AsyncConnection) -> None:
    berlin = ZoneInfo("Europe/Berlin")
    h = History(conn)
    # Berlin left summer time on Sunday 2026-10-25 at 01:00 UTC.
    before = datetime(2026, 10, 24, 8, tzinfo=UTC)  # Saturday 10:00 CEST
    after = datetime(2026, 10, 26, 9, tzinfo=UTC)  # Monday 10:00 CET
    await h.ticket("m1", before, first=10)
    await h.ticket("m1", after, first=30)

    found = await question_heatmap(conn, S1, datetime(2026, 11, 1, tzinfo=UTC), berlin)

    assert found.cell(5, 10).questions == 1
    assert found.cell(0, 10).questions == 1
    assert found.cell(0, 10).median_first_response == 30


async def test_the_map_stands_for_whole_hours_and_is_kept_within_one(
    conn: AsyncConnection,
) -> None:
    h = History(conn)
    await h.ticket("m1", local(day(6), 19, 30), first=60)
    kept = KeptHeatmaps()

    first = await question_heatmap(conn, S1, NOW + timedelta(minutes=30), SHANGHAI, kept=kept)
    await h.ticket("m1", local(day(6), 19, 40), first=60)
    await h.ticket("m1", local(day(6), 20, 10), first=60)
    again = await question_heatmap(conn, S1, NOW + timedelta(minutes=59), SHANGHAI, kept=kept)
    later = await question_heatmap(conn, S1, NOW + timedelta(hours=1), SHANGHAI, kept=kept)

    assert first.end == NOW
    assert first.cell(6, 19).questions == 1
    assert again is first
    assert (later.cell(6, 19).questions, later.cell(6, 20).questions) == (2, 1)
