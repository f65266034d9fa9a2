"""Every statement the console's queries send reads the big tables through an index (SQLite)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from reports.disputes import supply_disputes
from reports.downloads import write_ticket_csv
from reports.heatmap import HourOfWeek, question_heatmap
from reports.low_ratings import low_ratings
from reports.standings import managers_this_week
from reports.ticket_lists import TicketFigure, TicketFilter, tickets_behind
from tests.databases import migrated_engine
from tests.integration.console_history import S1, SHANGHAI, TEAM, W47, History, day, local

NOW = local(day(6), 20)
START, END = W47.bounds(SHANGHAI)
BIG = ("tickets", "events", "messages", "ratings", "supply_requests")
# "SCAN t" reads every row; "SCAN t USING ... INDEX" walks a whole index, as bad at scale.
WHOLE = re.compile(rf"\bSCAN ({'|'.join(BIG)})\b")


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    async with migrated_engine("sqlite", tmp_path) as engine:
        yield engine


async def sent_by(engine: AsyncEngine, run: Any) -> list[tuple[str, Any]]:
    seen: list[tuple[str, Any]] = []

    def keep(_c: Any, _cur: Any, sql: str, parameters: Any, *_: Any) -> None:
        # The weekly report's ranking works in temporary tables gone by now; its reads of the
        # big tables come first, as plain SELECTs.
        if sql.lstrip().upper().startswith(("SELECT", "WITH")) and "report_" not in sql:
            seen.append((sql, parameters))

    async with engine.connect() as conn:
        await seed(conn)
        await conn.commit()
        event.listen(engine.sync_engine, "before_cursor_execute", keep)
        try:
            await run(conn)
        finally:
            event.remove(engine.sync_engine, "before_cursor_execute", keep)
    return seen


async def seed(conn: AsyncConnection) -> None:
    h = History(conn)
    for n in range(30):
        t = await h.ticket(("m1", "m2", "m3")[n % 3], local(day(n % 7), 10 + n % 8), first=60 + n)
        await h.rate(t, ("m1", "m2", "m3")[n % 3], 1 + n % 5, local(day(n % 7), 20))
        await h.supply(t, ("m1", "m2", "m3")[n % 3], "中华", local(day(n % 7), 11), "refused")
        await h.escalate(t, local(day(n % 7), 10), 0)


async def every_console_query(conn: AsyncConnection) -> None:
    await managers_this_week(conn, TEAM, S1, NOW, SHANGHAI)
    await low_ratings(conn, TEAM, S1, NOW)
    await supply_disputes(conn, TEAM, S1, NOW, SHANGHAI)
    await question_heatmap(conn, S1, NOW, SHANGHAI)
    wednesday_ten = HourOfWeek(2, 10, SHANGHAI)
    for figure in TicketFigure:
        await tickets_behind(conn, TEAM, S1, TicketFilter(figure, START, END, hour=wednesday_ten))

    class Sink:
        def write(self, _: str) -> int:
            return 0

    await write_ticket_csv(Sink(), conn, TEAM, S1, START, END, SHANGHAI)  # type: ignore[arg-type]


async def test_no_console_query_reads_a_big_table_whole(engine: AsyncEngine) -> None:
    statements = await sent_by(engine, every_console_query)

    assert len(statements) > 20
    async with engine.connect() as conn:
        # No ANALYZE: thirty rows would teach the planner that scanning is cheap.
        for sql, parameters in statements:
            raw = await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", parameters)
            plan = "\n".join(str(row[-1]) for row in raw)
            assert not WHOLE.search(plan), f"{sql}\n{plan}"
