"""Weekly delivery through the real store: the claim and the three notices commit together."""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.phones import DiallingPlan
from desk.context import DeskContext
from desk.notices import NoticeKind
from desk.people import Address, Manager, Supervisor, Team
from desk.policy import Policy
from reports import Audience, IsoWeek, WeeklySchedule, deliver_due_reports, summarizer
from storage import codec
from storage.engine import make_engine
from storage.store import SqlStore
from storage.tables import events, metadata, outbox, reports_sent, tickets

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY_NINE = datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI).astimezone(UTC)
TEAM = Team(
    managers=[
        Manager("m1", "李经理", (Address("telegram", "5001"),), supervisor="s1"),
        Manager("m2", "王经理", (Address("telegram", "5002"),), supervisor="s2"),
    ],
    supervisors=[
        Supervisor("s1", "陈主任", (Address("telegram", "7001"),)),
        Supervisor("s2", "周主任", (Address("telegram", "7002"),)),
    ],
)
POLICY = json.dumps({"steps": [{"after": 900, "notify": "manager"}], "repeat_last_every": None})


class FixedClock:
    """Stand still at one moment."""

    def now(self) -> datetime:
        """Return Monday 09:00 in Shanghai."""
        return MONDAY_NINE


@pytest.fixture
def private_dir() -> Iterator[Path]:
    """Return a directory of our own: other pytest sessions prune old tmp_path folders."""
    with tempfile.TemporaryDirectory(prefix="reports-") as path:
        yield Path(path)


@pytest.fixture(params=["sqlite", "postgresql"])
async def engine(request: pytest.FixtureRequest, private_dir: Path) -> AsyncIterator[AsyncEngine]:
    """Yield an engine over an empty schema on each database."""
    schema = "reports_" + uuid.uuid4().hex[:12]
    if request.param == "sqlite":
        db = make_engine(f"sqlite:///{private_dir / 'desk.db'}")
    else:
        url = os.environ.get("RETAILDESK_TEST_PG_URL")
        if not url:
            pytest.skip("RETAILDESK_TEST_PG_URL is not set")
        db = create_async_engine(
            make_url(url).set(drivername="postgresql+asyncpg"),
            connect_args={"server_settings": {"search_path": schema}},
        )
        async with db.begin() as setup:
            await setup.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        async with db.begin() as setup:
            await setup.run_sync(metadata.create_all)
            for n, manager in enumerate(("m1", "m1", "m2"), start=1):
                opened = datetime(2026, 11, 18, 10, n, tzinfo=SHANGHAI)
                await setup.execute(
                    insert(tickets).values(
                        id=n, retailer_id=f"r{n}", manager_id=manager, home_manager_id=manager,
                        status="open", opened_at=opened, policy=POLICY, off_hours=False,
                        round=1, last_step=-1,
                    )
                )  # fmt: skip
                await setup.execute(
                    insert(events).values(
                        ticket_id=n, kind="answered", at=opened, actor=manager, target=manager,
                        seconds=60.0 * n, round=0,
                    )
                )  # fmt: skip
        yield db
    finally:
        if request.param == "postgresql":
            async with db.begin() as teardown:
                await teardown.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        await db.dispose()


def context(store: SqlStore) -> DeskContext:
    """Return the desk context the scheduler job would get."""
    return DeskContext(
        store, TEAM, FixedClock(), Policy(steps=()), SHANGHAI, DiallingPlan().shared_phone
    )


async def test_the_week_goes_out_once_even_when_two_workers_race(engine: AsyncEngine) -> None:
    store = SqlStore(engine, FixedClock())
    summarize = summarizer(store.reading, TEAM, SHANGHAI)
    schedule = WeeklySchedule.parse("mon 09:00")

    first, second = await asyncio.gather(
        deliver_due_reports(context(store), schedule, summarize),
        deliver_due_reports(context(SqlStore(engine, FixedClock())), schedule, summarize),
    )
    again = await deliver_due_reports(context(store), schedule, summarize)

    assert (first + second, again) == (2, 0)
    async with engine.connect() as conn:
        claimed = (
            await conn.execute(select(reports_sent.c.week, reports_sent.c.supervisor_id))
        ).all()
        rows = (await conn.execute(select(outbox).order_by(outbox.c.id))).all()
    assert sorted(claimed) == [("2026-W47", "s1"), ("2026-W47", "s2")]
    notices = [codec.notice_from_row(row) for row in rows]
    assert sorted(n.to for n in notices) == ["s1"] * 3 + ["s2"] * 3
    assert {n.kind for n in notices} == {NoticeKind.REPORT}
    to_s1 = [n for n in notices if n.to == "s1"]
    assert "李经理 2问 未答0 达标100%" in to_s1[0].params["text"]
    assert "王经理" not in to_s1[0].params["text"]
    assert [n.attachment.filename for n in to_s1 if n.attachment] == [
        "report-2026-W47.png",
        "report-2026-W47.csv",
    ]


async def test_summaries_read_through_the_store(engine: AsyncEngine) -> None:
    store = SqlStore(engine, FixedClock())
    summarize = summarizer(store.reading, TEAM, SHANGHAI)

    summary = await summarize(IsoWeek(2026, 47), Audience(manager_id="m1"))

    assert summary.team.received == 2
    assert summary.team.first_response.median == 90
