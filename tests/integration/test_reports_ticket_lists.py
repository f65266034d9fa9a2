"""The tickets behind a console number: each figure, paging, order, and never another team's."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from reports.disputes import supply_disputes
from reports.heatmap import HourOfWeek, question_heatmap
from reports.scope import Scope
from reports.ticket_lists import Order, TicketFigure, TicketFilter, tickets_behind
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


async def seed(conn: AsyncConnection) -> dict[str, int]:
    h = History(conn)
    n = {
        "answered": await h.ticket("m1", local(day(0), 10), first=60, resolved=local(day(0), 11)),
        "waiting_old": await h.ticket("m1", local(day(1), 10)),
        "waiting_new": await h.ticket("m2", local(day(5), 22), off_hours=True),
        "escalated": await h.ticket("m2", local(day(2), 10), first=2000),
        "last_week": await h.ticket("m1", local(day(-3), 10)),
        "theirs": await h.ticket("m3", local(day(0), 9)),
    }
    await h.escalate(n["escalated"], local(day(2), 10), 0, 1)
    await h.event(n["waiting_old"], "eta_broken", local(day(1), 11), target="m1")
    await h.rate(n["answered"], "m1", 1, local(day(1), 9), "差")
    await h.rate(n["escalated"], "m2", 4, local(day(3), 9))
    await h.rate(n["theirs"], "m3", 1, local(day(3), 9))
    await h.supply(n["answered"], "m1", "中华", local(day(0), 10), "out_of_stock")
    await h.supply(n["escalated"], "m2", "Marlboro", local(day(2), 10), "out_of_stock")
    await h.supply(n["escalated"], "m2", "中华", local(day(2), 10), "refused")
    await h.supply(n["theirs"], "m3", "中华", local(day(0), 10), "out_of_stock")
    return n


async def ids(conn: AsyncConnection, wanted: TicketFilter, **kwargs: object) -> list[int]:
    page = await tickets_behind(conn, TEAM, S1, wanted, **kwargs)  # type: ignore[arg-type]
    return [line.ticket_id for line in page.lines]


async def test_each_figure_lists_its_own_tickets(conn: AsyncConnection) -> None:
    n = await seed(conn)
    week = {"start": START, "end": END}

    # Waiting ones first, longest first; then the answered but still open one.
    assert await ids(conn, TicketFilter(TicketFigure.OPEN)) == [
        n["last_week"], n["waiting_old"], n["waiting_new"], n["escalated"]
    ]  # fmt: skip
    assert await ids(conn, TicketFilter(TicketFigure.WAITING, manager_id="m2")) == [
        n["waiting_new"]
    ]
    assert sorted(await ids(conn, TicketFilter(TicketFigure.RECEIVED, **week))) == sorted(
        [n["answered"], n["waiting_old"], n["waiting_new"], n["escalated"]]
    )
    assert await ids(conn, TicketFilter(TicketFigure.OFF_HOURS, **week)) == [n["waiting_new"]]
    assert await ids(conn, TicketFilter(TicketFigure.UNANSWERED, **week), order=Order.NEWEST) == [
        n["waiting_new"], n["waiting_old"]
    ]  # fmt: skip
    assert await ids(conn, TicketFilter(TicketFigure.ESCALATED, **week)) == [n["escalated"]]
    assert await ids(conn, TicketFilter(TicketFigure.ETA_BROKEN, **week)) == [n["waiting_old"]]
    assert await ids(conn, TicketFilter(TicketFigure.LOW_RATING, **week)) == [n["answered"]]
    assert await ids(conn, TicketFilter(TicketFigure.OUT_OF_STOCK, **week), order=Order.NEWEST) == [
        n["escalated"], n["answered"]
    ]  # fmt: skip
    chinese = TicketFilter(TicketFigure.OUT_OF_STOCK, brand_key="中华", **week)
    assert await ids(conn, chinese) == [n["answered"]]
    assert await ids(conn, TicketFilter(TicketFigure.REFUSED, **week)) == [n["escalated"]]
    # Every request, however it ended: m2's two brands are one ticket.
    assert await ids(conn, TicketFilter(TicketFigure.REQUESTED, **week), order=Order.NEWEST) == [
        n["escalated"], n["answered"]
    ]  # fmt: skip
    marlboro = TicketFilter(TicketFigure.REQUESTED, brand_key="marlboro", **week)
    assert await ids(conn, marlboro) == [n["escalated"]]
    monday_ten = HourOfWeek(0, 10, SHANGHAI)
    assert await ids(conn, TicketFilter(TicketFigure.HOUR, hour=monday_ten, **week)) == [
        n["answered"]
    ]
    tuesday_ten = TicketFilter(TicketFigure.HOUR, hour=HourOfWeek(1, 10, SHANGHAI), **week)
    assert await ids(conn, tuesday_ten) == [n["waiting_old"]]
    assert await ids(conn, replace(tuesday_ten, figure=TicketFigure.HOUR_ANSWERED)) == []


async def test_a_supply_list_adds_up_to_its_count_when_one_ticket_holds_two_requests(
    conn: AsyncConnection,
) -> None:
    n = await seed(conn)
    # 王经理 refused 中华 a second time on the same ticket: two requests, one ticket.
    await History(conn).supply(n["escalated"], "m2", "中华", local(day(2), 11), "refused")
    week = {"start": START, "end": END}
    end_of_week = END - timedelta(seconds=1)
    counted = await supply_disputes(conn, TEAM, S1, end_of_week, SHANGHAI)
    (chinese,) = [b for b in counted.brands if b.brand_key == "中华"]

    refused = await tickets_behind(
        conn, TEAM, S1, TicketFilter(TicketFigure.REFUSED, brand_key="中华", **week)
    )
    requested = await tickets_behind(
        conn,
        TEAM,
        S1,
        TicketFilter(TicketFigure.REQUESTED, brand_key="中华", **week),
        order=Order.NEWEST,
    )
    received = await tickets_behind(conn, TEAM, S1, TicketFilter(TicketFigure.RECEIVED, **week))

    assert [(line.ticket_id, line.requests) for line in refused.lines] == [(n["escalated"], 2)]
    assert [(line.ticket_id, line.requests) for line in requested.lines] == [
        (n["escalated"], 2),
        (n["answered"], 1),
    ]
    assert sum(line.requests or 0 for line in refused.lines) == chinese.team.refused == 2
    assert sum(line.requests or 0 for line in requested.lines) == chinese.team.requests == 3
    # Other lists count tickets, not requests.
    assert {line.requests for line in received.lines} == {None}


async def test_a_line_carries_the_retailer_and_the_clock(conn: AsyncConnection) -> None:
    n = await seed(conn)

    page = await tickets_behind(conn, TEAM, M2, TicketFilter(TicketFigure.WAITING))

    (line,) = page.lines
    assert (line.ticket_id, line.retailer_name, line.shop) == (
        n["waiting_new"],
        "零售户r3",
        "r3号店",
    )
    assert (line.manager_id, line.manager_name, line.status) == ("m2", "王经理", "open")
    assert line.off_hours is True
    assert line.waiting_since == line.opened_at == local(day(5), 22)
    assert (line.first_response_at, line.resolved_at, line.last_step) == (None, None, -1)


async def test_pages_follow_each_other(conn: AsyncConnection) -> None:
    h = History(conn)
    made = [await h.ticket("m1", local(day(1), 8) + timedelta(minutes=i)) for i in range(5)]
    wanted = TicketFilter(TicketFigure.WAITING)

    first = await tickets_behind(conn, TEAM, S1, wanted, per_page=2)
    last = await tickets_behind(conn, TEAM, S1, wanted, page=3, per_page=2)

    assert [line.ticket_id for line in first.lines] == made[:2]
    assert first.has_next
    assert [line.ticket_id for line in last.lines] == made[4:]
    assert not last.has_next


async def test_another_teams_tickets_never_appear(conn: AsyncConnection) -> None:
    n = await seed(conn)
    week = {"start": START, "end": END}

    # m3's ticket opened on Monday at 9: the hour's lists are asked for that very cell.
    for figure in TicketFigure:
        wanted = TicketFilter(figure, hour=HourOfWeek(0, 9, SHANGHAI), **week)
        assert n["theirs"] not in await ids(conn, wanted, per_page=100), figure
        mine = await tickets_behind(conn, TEAM, M2, wanted, per_page=100)
        assert {line.manager_id for line in mine.lines} <= {"m2"}, figure
    # Asking for someone else's manager by name gives nothing either.
    assert await ids(conn, TicketFilter(TicketFigure.OPEN, manager_id="m3")) == []


async def test_a_weeks_figure_needs_its_bounds(conn: AsyncConnection) -> None:
    with pytest.raises(ValueError, match="start and end"):
        await tickets_behind(conn, TEAM, S1, TicketFilter(TicketFigure.RECEIVED))
    with pytest.raises(ValueError, match="an hour of the week"):
        await tickets_behind(conn, TEAM, S1, TicketFilter(TicketFigure.HOUR, START, END))


async def hour_lists_match(conn: AsyncConnection, scope: Scope, now: datetime, tz: ZoneInfo) -> int:
    """Check each heatmap cell against its two lists; return how many questions they held."""
    heatmap = await question_heatmap(conn, scope, now, tz)
    listed = 0
    for cell in heatmap.cells:
        hour = HourOfWeek(cell.weekday, cell.hour, tz)
        asked = TicketFilter(TicketFigure.HOUR, heatmap.start, heatmap.end, hour=hour)
        answered = replace(asked, figure=TicketFigure.HOUR_ANSWERED)
        questions = await tickets_behind(conn, TEAM, scope, asked, per_page=100)
        firsts = await tickets_behind(conn, TEAM, scope, answered, per_page=100)
        assert len(questions.lines) == cell.questions, cell
        assert len(firsts.lines) == cell.answered, cell
        assert all(line.first_response_at is not None for line in firsts.lines), cell
        assert {line.ticket_id for line in firsts.lines} <= {
            line.ticket_id for line in questions.lines
        }
        listed += len(questions.lines)
    return listed


async def test_an_hours_lists_hold_what_the_heatmap_counts(conn: AsyncConnection) -> None:
    h = History(conn)
    now = local(day(6), 20)
    # Wednesday 10:00-10:59 local: three answered, one waiting, and 11:00 sharp is the next hour.
    wednesday = [
        await h.ticket("m1", local(day(2), 10, minute), first=first)
        for minute, first in ((0, 60), (20, 600), (40, 120))
    ]
    waiting = await h.ticket("m2", local(day(2), 10, 59) + timedelta(seconds=59.5))
    await h.ticket("m1", local(day(2), 11), first=30)
    # Out of the window (before it, or in the hour not yet whole), or of the scope.
    await h.ticket("m1", now - timedelta(weeks=4, seconds=1), first=5)
    await h.ticket("m1", now - timedelta(weeks=4), first=5)
    await h.ticket("m1", now + timedelta(minutes=10), first=5)
    await h.ticket("m3", local(day(2), 10, 30), first=5)
    heatmap = await question_heatmap(conn, S1, now, SHANGHAI)
    cell = TicketFilter(
        TicketFigure.HOUR, heatmap.start, heatmap.end, hour=HourOfWeek(2, 10, SHANGHAI)
    )

    assert sorted(await ids(conn, cell)) == sorted([*wednesday, waiting])
    answered = replace(cell, figure=TicketFigure.HOUR_ANSWERED)
    assert sorted(await ids(conn, answered)) == sorted(wednesday)
    assert await ids(conn, replace(cell, manager_id="m2")) == [waiting]
    assert await hour_lists_match(conn, S1, now, SHANGHAI) == 6
    assert await hour_lists_match(conn, M2, now, SHANGHAI) == 1


async def test_an_hours_list_follows_the_zones_clock_change(conn: AsyncConnection) -> None:
    berlin = ZoneInfo("Europe/Berlin")
    h = History(conn)
    # Berlin left summer time on Sunday 2026-10-25 at 01:00 UTC: 02:30 came twice that night.
    saturday = await h.ticket("m1", datetime(2026, 10, 24, 8, tzinfo=UTC), first=10)
    twice = [
        await h.ticket("m1", datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
        await h.ticket("m2", datetime(2026, 10, 25, 1, 30, tzinfo=UTC), first=40),
    ]
    monday = await h.ticket("m1", datetime(2026, 10, 26, 9, tzinfo=UTC), first=30)
    now = datetime(2026, 11, 1, tzinfo=UTC)
    heatmap = await question_heatmap(conn, S1, now, berlin)

    def at(weekday: int, hour: int) -> TicketFilter:
        local_hour = HourOfWeek(weekday, hour, berlin)
        return TicketFilter(TicketFigure.HOUR, heatmap.start, heatmap.end, hour=local_hour)

    assert await ids(conn, at(5, 10)) == [saturday]
    assert sorted(await ids(conn, at(6, 2))) == sorted(twice)
    assert await ids(conn, at(0, 10)) == [monday]
    assert await ids(conn, at(5, 9)) == await ids(conn, at(0, 9)) == []
    assert await hour_lists_match(conn, S1, now, berlin) == 4


async def test_ratings_and_requests_stay_listed_under_the_manager_they_name(
    conn: AsyncConnection,
) -> None:
    h = History(conn)
    # m1's ticket, rated low and holding a refused order, was handed to m2 since.
    handed = await h.ticket("m2", local(day(1), 10), first=60)
    await h.rate(handed, "m1", 1, local(day(1), 12))
    await h.supply(handed, "m1", "中华", local(day(1), 10), "refused")
    week = {"start": START, "end": END}
    m1 = Scope("m1", frozenset({"m1"}), complaints=False)

    for figure in (TicketFigure.LOW_RATING, TicketFigure.REQUESTED, TicketFigure.REFUSED):
        # As the summary counts them: m1's, and not m2's, though the ticket is m2's now.
        assert await ids(conn, TicketFilter(figure, manager_id="m1", **week)) == [handed]
        assert await ids(conn, TicketFilter(figure, manager_id="m2", **week)) == []
        # m1's own view still never shows a ticket that is now a colleague's.
        assert (await tickets_behind(conn, TEAM, m1, TicketFilter(figure, **week))).lines == ()
