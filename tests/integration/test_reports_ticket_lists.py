"""The tickets behind a console number: each figure, paging, order, and never another team's."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

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

    for figure in TicketFigure:
        wanted = TicketFilter(figure, **week)
        assert n["theirs"] not in await ids(conn, wanted, per_page=100), figure
        mine = await tickets_behind(conn, TEAM, M2, wanted, per_page=100)
        assert {line.manager_id for line in mine.lines} <= {"m2"}, figure
    # Asking for someone else's manager by name gives nothing either.
    assert await ids(conn, TicketFilter(TicketFigure.OPEN, manager_id="m3")) == []


async def test_a_weeks_figure_needs_its_bounds(conn: AsyncConnection) -> None:
    with pytest.raises(ValueError, match="start and end"):
        await tickets_behind(conn, TEAM, S1, TicketFilter(TicketFigure.RECEIVED))
