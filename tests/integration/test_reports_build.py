"""The CLI's report: one form at a time, with progress only on a terminal."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from desk.people import Address, Manager, Supervisor, Team
from reports import IsoWeek, ReportFormat, build_report
from storage.tables import events, metadata, tickets

SHANGHAI = ZoneInfo("Asia/Shanghai")
TEAM = Team(
    [Manager("m1", "李经理", (Address("telegram", "5001"),), supervisor="s1")],
    [Supervisor("s1", "陈主任", (Address("telegram", "7001"),))],
)
POLICY = json.dumps({"steps": [{"after": 900, "notify": "manager"}], "repeat_last_every": None})


@pytest.fixture
def private_dir() -> Iterator[Path]:
    """Return a directory of our own: other pytest sessions prune old tmp_path folders."""
    with tempfile.TemporaryDirectory(prefix="reports-") as path:
        yield Path(path)


@pytest.fixture
async def conn(private_dir: Path) -> AsyncIterator[AsyncConnection]:
    """Yield a SQLite connection holding one answered question in 2026-W47."""
    engine = create_async_engine(f"sqlite+aiosqlite:///{private_dir / 'desk.db'}")
    opened = datetime(2026, 11, 18, 10, 0, tzinfo=SHANGHAI)
    async with engine.begin() as setup:
        await setup.run_sync(metadata.create_all)
        await setup.execute(
            insert(tickets).values(
                id=1, retailer_id="r1", manager_id="m1", home_manager_id="m1", status="open",
                opened_at=opened, policy=POLICY, off_hours=False, round=1, last_step=-1,
            )
        )  # fmt: skip
        await setup.execute(
            insert(events).values(
                ticket_id=1, kind="answered", at=opened, actor="m1", target="m1", seconds=240.0,
                round=0,
            )
        )  # fmt: skip
    async with engine.connect() as connection:
        yield connection
    await engine.dispose()


async def test_text_form(conn: AsyncConnection) -> None:
    report = await build_report(conn, TEAM, IsoWeek(2026, 47), SHANGHAI, ReportFormat.TEXT)
    assert "李经理 1问 未答0 达标100%\n  首响 4m / P90 4m" in report.decode("utf-8")


async def test_csv_form(conn: AsyncConnection) -> None:
    report = await build_report(conn, TEAM, IsoWeek(2026, 47), SHANGHAI, ReportFormat.CSV)
    rows = list(csv.DictReader(io.StringIO(report.decode("utf-8-sig"))))
    assert [(r["manager"], r["first_response_median_s"]) for r in rows] == [("m1", "240")]


async def test_png_form_with_progress(conn: AsyncConnection) -> None:
    seen: list[tuple[int, int]] = []
    report = await build_report(
        conn,
        TEAM,
        IsoWeek(2026, 47),
        SHANGHAI,
        ReportFormat.PNG,
        supervisor_id="s1",
        progress=lambda done, total: seen.append((done, total)),
    )
    with Image.open(io.BytesIO(report)) as image:
        assert image.size == (1000, 400)
    assert seen[-1] == (8, 8)
