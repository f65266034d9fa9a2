"""Ratings, complaints and supply outcomes in the weekly summary, over SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from desk.people import Address, Manager, Supervisor, Team
from reports import (
    BrandWeek,
    IsoWeek,
    Standards,
    SupplyCount,
    render_table,
    render_text,
    team_summaries,
    weekly_summary,
)
from storage.tables import complaints, ratings, supply_requests, tickets
from tests.databases import BACKENDS, migrated_engine

SHANGHAI = ZoneInfo("Asia/Shanghai")
W47 = IsoWeek(2026, 47)
MON = W47.monday
TEAM = Team(
    managers=[
        Manager("m1", "李经理", (Address("telegram", "5001"),), supervisor="s1"),
        Manager("m2", "王经理", (Address("telegram", "5002"),), supervisor="s1"),
        Manager("m3", "赵经理", (Address("telegram", "5003"),), supervisor="s2"),
    ],
    supervisors=[
        Supervisor("s1", "陈主任", (Address("telegram", "7001"),)),
        Supervisor("s2", "周主任", (Address("telegram", "7002"),)),
    ],
)


def at(days: float, hour: int = 10) -> datetime:
    """Return a Shanghai wall-clock moment of week 47 (days after Monday) as UTC."""
    day = MON + timedelta(days=int(days))
    return datetime.combine(day, time(hour), tzinfo=SHANGHAI).astimezone(UTC)


@pytest.fixture(params=BACKENDS)
async def conn(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncConnection]:
    async with migrated_engine(request.param, tmp_path) as engine:
        async with engine.begin() as setup:
            await setup.execute(insert(tickets), [ticket(i) for i in range(1, 21)])
        async with engine.connect() as connection:
            yield connection


def ticket(number: int) -> dict:
    return {
        "id": number,
        "retailer_id": f"r{number}",
        "manager_id": "m1",
        "home_manager_id": "m1",
        "status": "open",
        "opened_at": at(-14),
        "policy": '{"steps": []}',
        "off_hours": False,
        "round": 0,
        "last_step": -1,
    }


async def rate(conn, ticket_id: int, manager: str, score: int, when: datetime) -> None:
    await conn.execute(
        insert(ratings).values(
            ticket_id=ticket_id,
            retailer_id=f"r{ticket_id}",
            manager_id=manager,
            asked_at=when,
            score=score,
            rated_at=when,
        )
    )


async def complain(conn, manager: str, when: datetime) -> None:
    await conn.execute(
        insert(complaints).values(
            retailer_id="r1",
            manager_id=manager,
            supervisor_id="s1",
            opened_at=when,
            policy="{}",
            last_step=-1,
        )
    )


async def order(conn, manager: str, brand: str, outcome: str | None, when: datetime, ended=None):
    await conn.execute(
        insert(supply_requests).values(
            ticket_id=1,
            retailer_id="r1",
            manager_id=manager,
            brand=brand,
            brand_key=" ".join(brand.split()).casefold(),
            quantity="1条",
            note="",
            opened_at=when,
            outcome=outcome,
            outcome_at=ended or (when if outcome else None),
        )
    )


async def a_week(conn: AsyncConnection) -> None:
    for ticket_id, score in ((1, 5), (2, 1), (3, 2), (4, 4)):
        await rate(conn, ticket_id, "m1", score, at(1))
    await rate(conn, 5, "m2", 5, at(2))
    await rate(conn, 6, "m1", 1, at(-3))  # the week before
    await rate(conn, 7, "m3", 1, at(2))  # another supervisor's manager
    await complain(conn, "m1", at(1))
    await complain(conn, "m1", at(3))
    await complain(conn, "m2", at(8))  # next week
    await order(conn, "m1", "软中华", "out_of_stock", at(1))
    await order(conn, "m1", "软中华", "refused", at(2))
    await order(conn, "m1", "软中华 ", "fulfilled", at(2))
    await order(conn, "m2", "软中华", "fulfilled", at(2))
    await order(conn, "m2", "玉溪", "out_of_stock", at(3))
    await order(conn, "m2", "玉溪", None, at(3))
    # Refused only after the week ended: as the week stood, it was still open.
    await order(conn, "m2", "利群", "refused", at(6), ended=at(8))
    await conn.commit()


async def test_a_supervisor_sees_ratings_complaints_and_denied_orders(conn):
    await a_week(conn)
    summary = await weekly_summary(conn, TEAM, W47, SHANGHAI, supervisor_id="s1")

    m1, m2 = summary.managers
    assert (m1.rating_count, m1.low_ratings, m1.rating_average) == (4, 2, 3.0)
    assert m1.low_rating_share == 0.5
    assert (m2.rating_count, m2.rating_average) == (1, 5.0)
    assert (m1.complaints, m2.complaints, summary.team.complaints) == (2, 0, 2)
    assert m1.supply == SupplyCount(3, 1, 1)
    assert m2.supply == SupplyCount(4, 1, 0)
    team = summary.team
    assert (team.rating_count, team.low_ratings, team.supply) == (5, 2, SupplyCount(7, 2, 1))
    assert summary.previous is not None
    assert (summary.previous.rating_count, summary.previous.low_ratings) == (1, 1)
    assert summary.brands == (
        BrandWeek("软中华", None, SupplyCount(4, 1, 1)),
        BrandWeek("玉溪", None, SupplyCount(2, 1, 0)),
        BrandWeek("利群", None, SupplyCount(1, 0, 0)),
        BrandWeek("软中华", "m1", SupplyCount(3, 1, 1)),
        BrandWeek("软中华", "m2", SupplyCount(1, 0, 0)),
        BrandWeek("玉溪", "m2", SupplyCount(2, 1, 0)),
        BrandWeek("利群", "m2", SupplyCount(1, 0, 0)),
    )


async def test_a_managers_own_view_never_counts_complaints(conn):
    await a_week(conn)
    mine = await weekly_summary(conn, TEAM, W47, SHANGHAI, manager_id="m1")

    (m1,) = mine.managers
    assert (m1.complaints, mine.team.complaints) == (None, None)
    assert mine.previous is not None
    assert mine.previous.complaints is None
    assert "投诉" not in render_text(mine)
    assert "complaints" not in render_table(mine).decode("utf-8-sig")
    assert (m1.rating_count, m1.supply) == (4, SupplyCount(3, 1, 1))


async def test_the_text_shows_the_supply_pattern_beside_the_teams_rate(conn):
    await a_week(conn)
    text = render_text(await weekly_summary(conn, TEAM, W47, SHANGHAI, supervisor_id="s1"))

    assert "投诉2" in text
    assert "评分3.0（4条，低分50%）" in text
    supply = text[text.index("【订货】") :].splitlines()
    assert supply == [
        "【订货】缺货或拒绝 团队3/7（43%）",
        "李经理 2/3（67%） 缺1 拒1",
        "王经理 1/4（25%） 缺1 拒0",
        "按品牌：",
        "软中华 2/4（50%）",
        "  李经理 2/3（67%）",
        "玉溪 1/2（50%）",
        "  王经理 1/2（50%）",
        "利群 0/1（0%）",
    ]


async def test_one_read_for_every_supervisor_fills_each_their_own_outcomes(conn):
    await a_week(conn)

    @asynccontextmanager
    async def reading() -> AsyncIterator[AsyncConnection]:
        async with conn.engine.connect() as other:
            yield other

    shared = await team_summaries(reading, TEAM, W47, SHANGHAI, ["s1", "s2"])

    for supervisor_id in ("s1", "s2"):
        alone = await weekly_summary(conn, TEAM, W47, SHANGHAI, supervisor_id=supervisor_id)
        assert shared[supervisor_id] == alone, supervisor_id
    assert shared["s1"].team.complaints == 2
    assert shared["s2"].team.rating_count == 1


async def test_a_low_rating_is_what_the_desk_is_configured_to_alert_on(conn):
    # m1 was scored 5, 1, 2 and 4: with the alert set at 4 and below, three of them are low.
    await a_week(conn)
    strict = Standards(low_rating=4)

    @asynccontextmanager
    async def reading() -> AsyncIterator[AsyncConnection]:
        async with conn.engine.connect() as other:
            yield other

    shared = await team_summaries(reading, TEAM, W47, SHANGHAI, ["s1"], strict)
    alone = await weekly_summary(conn, TEAM, W47, SHANGHAI, supervisor_id="s1", standards=strict)

    assert alone.managers[0].low_ratings == 3
    assert shared["s1"] == alone
