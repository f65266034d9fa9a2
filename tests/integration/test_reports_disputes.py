"""Supply disputes by brand this week, per manager against the team, as the summary counts them."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from reports import SupplyCount, weekly_summary
from reports.disputes import ManagerSupply, supply_disputes
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


async def seed(conn: AsyncConnection) -> None:
    h = History(conn)
    t1 = await h.ticket("m1", local(day(1), 10), first=60)
    t2 = await h.ticket("m2", local(day(1), 10), first=60)
    t3 = await h.ticket("m3", local(day(1), 10), first=60)
    for outcome in ("out_of_stock", "out_of_stock", "refused", "fulfilled"):
        await h.supply(t1, "m1", "中华", local(day(1), 11), outcome)
    await h.supply(t2, "m2", " 中华 ", local(day(2), 11), "fulfilled")
    await h.supply(t2, "m2", "Marlboro", local(day(2), 11), "out_of_stock")
    await h.supply(t2, "m2", "marlboro", local(day(2), 12))
    await h.supply(t1, "m1", "中华", local(day(-2), 11), "refused")  # last week
    await h.supply(t3, "m3", "中华", local(day(2), 11), "refused")  # another team


async def test_brands_per_manager_against_the_team(conn: AsyncConnection) -> None:
    await seed(conn)

    found = await supply_disputes(conn, TEAM, S1, NOW, SHANGHAI)

    assert found.week == W47
    assert found.team == SupplyCount(7, 3, 1)
    zhonghua, marlboro = found.brands
    assert (zhonghua.brand_key, zhonghua.team) == ("中华", SupplyCount(5, 2, 1))
    assert zhonghua.team_rate == 3 / 5
    assert zhonghua.managers == (
        ManagerSupply("m1", "李经理", SupplyCount(4, 2, 1)),
        ManagerSupply("m2", "王经理", SupplyCount(1, 0, 0)),
    )
    assert marlboro.brand_key == "marlboro"
    assert marlboro.team == SupplyCount(2, 1, 0)
    assert [m.manager_id for m in marlboro.managers] == ["m2"]


async def test_the_counts_are_the_weekly_summarys(conn: AsyncConnection) -> None:
    await seed(conn)

    found = await supply_disputes(conn, TEAM, S1, NOW, SHANGHAI)
    chat = await weekly_summary(conn, TEAM, W47, SHANGHAI, supervisor_id="s1")

    team_rows = [(b.brand, b.supply) for b in chat.brands if b.manager_id is None]
    assert [(b.brand, b.team) for b in found.brands] == team_rows
    assert found.team == chat.team.supply


async def test_a_manager_sees_only_their_own_requests(conn: AsyncConnection) -> None:
    await seed(conn)

    found = await supply_disputes(conn, TEAM, M2, NOW, SHANGHAI)

    assert found.team == SupplyCount(3, 1, 0)
    assert {m.manager_id for b in found.brands for m in b.managers} == {"m2"}
