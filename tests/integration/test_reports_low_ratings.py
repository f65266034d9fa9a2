"""The console's low ratings: the last seven days, newest first, only the viewer's managers."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from reports.low_ratings import LowRating, low_ratings
from tests.integration.console_history import M2, S1, TEAM, History, conn, day, local

__all__ = ["conn"]
NOW = local(day(6), 20)


async def test_low_scores_of_the_last_week_newest_first(conn: AsyncConnection) -> None:
    h = History(conn)
    old = await h.ticket("m1", local(day(-3), 10), first=60)
    slow = await h.ticket("m1", local(day(1), 10), first=4000, retailer="r9")
    rude = await h.ticket("m2", local(day(4), 10), first=60)
    fine = await h.ticket("m2", local(day(4), 11), first=60)
    later = await h.ticket("m2", local(day(4), 12), first=60)
    theirs = await h.ticket("m3", local(day(4), 10), first=60)
    await h.rate(old, "m1", 1, NOW - timedelta(days=7))  # exactly seven days: out
    await h.rate(slow, "m1", 2, local(day(1), 12), "两个小时没人理")
    await h.rate(rude, "m2", 1, local(day(4), 12), "态度差")
    await h.rate(fine, "m2", 3, local(day(4), 13))
    await h.rate(later, "m2", 1, NOW + timedelta(minutes=1))  # after now: not yet
    await h.rate(theirs, "m3", 1, local(day(4), 12))

    found = await low_ratings(conn, TEAM, S1, NOW)

    assert found == (
        LowRating(rude, "r3", "零售户r3", "r3号店", "m2", "王经理", 1, "态度差", local(day(4), 12)),
        LowRating(
            slow, "r9", "零售户r9", "r9号店", "m1", "李经理", 2, "两个小时没人理", local(day(1), 12)
        ),
    )
    assert [r.ticket_id for r in await low_ratings(conn, TEAM, M2, NOW)] == [rude]
    assert [r.score for r in await low_ratings(conn, TEAM, S1, NOW, low=3)] == [3, 1, 2]
