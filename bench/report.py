"""Weekly report: the full summary for every supervisor over a generated week of messages.

A province of 20,000 retailers, 500 managers and 25 supervisors sends M retailer messages in
the reported ISO week (about four per ticket) and as many the week before, which the summary
compares against. The figure is the time to compute the summary of each of the 25 supervisors
as the weekly delivery does: reports.team_summaries reads each week once for all of them (and,
beside it, reports.weekly_summary of all 500 managers). The floor is the bare SQL aggregate over
the same two weeks (one GROUP BY per week over the week's tickets joined to their events), run
through the same engine in the same run.

    python -m bench.report                                  # 1,000,000 messages, 3 rounds
    python -m bench.report --messages 10000 100000 1000000
    python -m bench.report --smoke
    python -m bench.report --db /tmp/week.db                # keep the data, reuse it next time
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from bench import measure
from bench.province import Province
from bot.config import Settings
from desk.people import Team
from reports import team_summaries, weekly_summary
from reports.weeks import IsoWeek
from storage.engine import make_engine

WEEK = IsoWeek(2026, 47)
TZ = ZoneInfo("Asia/Shanghai")

FLOOR = text(
    """
    SELECT t.manager_id,
           count(DISTINCT t.id) AS tickets,
           sum(e.kind = 'answered' AND e.round = 0) AS answered,
           avg(CASE WHEN e.kind = 'answered' AND e.round = 0 THEN e.seconds END) AS first_response,
           sum(e.kind = 'escalated') AS escalations
    FROM tickets AS t JOIN events AS e ON e.ticket_id = t.id
    WHERE t.opened_at >= :start AND t.opened_at < :end AND e.at < :end
    GROUP BY t.manager_id
    """
)


@dataclass(frozen=True)
class Plan:
    """Sizes for one run."""

    messages: int
    rounds: int
    retailers: int = 20_000
    managers: int = 500
    supervisors: int = 25


def generate(db: Path, plan: Plan) -> dict[str, int]:
    """Build the two weeks in a child process; return what the reported week holds."""
    common = [
        sys.executable,
        "-m",
        "bench.province",
        "--db",
        str(db),
        "--retailers",
        str(plan.retailers),
        "--managers",
        str(plan.managers),
        "--supervisors",
        str(plan.supervisors),
        "--week-messages",
        str(plan.messages),
    ]
    weeks = []
    for monday in (WEEK.previous().monday, WEEK.monday):
        out = subprocess.run(
            [*common, "--week-start", f"{monday.isoformat()}T00:00:00+08:00"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        weeks.append(out)
    return json.loads(weeks[-1].splitlines()[0])


def team_of(plan: Plan) -> Team:
    province = Province(plan.retailers, plan.managers, plan.supervisors)
    mapping = province.config("http://127.0.0.1:9/bot", "1:x")
    mapping["roster"] = {}
    return Settings.from_mapping(mapping, env={}).team()


async def measure_size(plan: Plan, kept: Path | None = None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-report-") as name:
        db = kept or Path(name) / "week.db"
        week = await asyncio.to_thread(prepare, db, plan)
        return await measure_db(plan, db, week)


def prepare(db: Path, plan: Plan) -> dict[str, int]:
    """Generate the two weeks into db, or read what an already generated file holds."""
    return stored_week(db) if db.exists() else generate(db, plan)


def stored_week(db: Path) -> dict[str, int]:
    """Return what the reported week of an already generated file holds."""
    start, end = (_stamp(moment) for moment in WEEK.bounds(TZ))
    with closing(sqlite3.connect(db)) as conn:
        (tickets,) = conn.execute(
            "SELECT count(*) FROM tickets WHERE opened_at >= ? AND opened_at < ?", (start, end)
        ).fetchone()
    return {"tickets": int(tickets)}


async def measure_db(plan: Plan, db: Path, week: dict[str, int]) -> dict[str, Any]:
    """Time the floor, the delivery's summaries and the all-managers summary, round by round."""
    team = team_of(plan)
    supervisors = list(team.supervisors)
    engine = make_engine(f"sqlite:///{db}")

    @asynccontextmanager
    async def reading() -> AsyncIterator[AsyncConnection]:
        async with engine.connect() as plain:
            yield await plain.execution_options(reading=True)

    floors, summaries, everyone, cpus = [], [], [], []
    try:
        for _ in range(plan.rounds):
            with measure.Stopwatch() as floor:
                async with engine.connect() as plain:
                    conn = await plain.execution_options(reading=True)
                    for w in (WEEK, WEEK.previous()):
                        start, end = w.bounds(TZ)
                        params = {"start": _stamp(start), "end": _stamp(end)}
                        (await conn.execute(FLOOR, params)).all()
            floors.append(floor.seconds)
            cpu = time.process_time()
            with measure.Stopwatch() as summary:
                await team_summaries(reading, team, WEEK, TZ, supervisors)
            summaries.append(summary.seconds)
            # All threads: SQLite runs in the driver's threads, one per connection.
            cpus.append(time.process_time() - cpu)
            with measure.Stopwatch() as whole:
                async with engine.connect() as plain:
                    conn = await plain.execution_options(reading=True)
                    await weekly_summary(conn, team, WEEK, TZ)
            everyone.append(whole.seconds)
    finally:
        await engine.dispose()
    seconds, floor_s = measure.median(summaries), measure.median(floors)
    return {
        "messages": plan.messages,
        "week": week,
        "supervisors": len(supervisors),
        "rounds": plan.rounds,
        "summary_s": seconds,
        "summary_cpu_s": measure.median(cpus),
        "floor_s": floor_s,
        "ratio": seconds / floor_s,
        "all_managers_s": measure.median(everyone),
        "all_managers_ratio": measure.median(everyone) / floor_s,
    }


def _stamp(moment: Any) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def render(rows: list[dict[str, Any]]) -> str:
    return measure.table(
        [
            "retailer messages in the week",
            "tickets",
            "summary for 25 supervisors s",
            "its CPU s (2 cores)",
            "floor: bare aggregate s",
            "ratio",
            "one summary of all managers s",
            "ratio",
        ],
        [
            [
                f"{r['messages']:,}",
                f"{r['week']['tickets']:,}",
                f"{r['summary_s']:.2f}",
                f"{r['summary_cpu_s']:.2f}",
                f"{r['floor_s']:.2f}",
                f"{r['ratio']:.2f}",
                f"{r['all_managers_s']:.2f}",
                f"{r['all_managers_ratio']:.2f}",
            ]
            for r in rows
        ],
    )


def run(
    *,
    smoke: bool = False,
    messages: list[int] | None = None,
    rounds: int = 3,
    db: Path | None = None,
) -> list[dict[str, Any]]:
    """Run the report benchmark and return its rows; with db, keep the data there (one size)."""
    if smoke:
        plans = [Plan(10_000, 1, retailers=1_000, managers=50, supervisors=5)]
    else:
        plans = [Plan(m, rounds) for m in messages or [1_000_000]]
    if db is not None and len(plans) > 1:
        raise ValueError("--db keeps the data of one size only")

    async def each(plan: Plan) -> dict[str, Any]:
        return await measure_size(plan, db)

    return measure.run_plans(plans, each, render)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--smoke", action="store_true", help="10,000 messages, one round")
    parser.add_argument("--messages", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--save", help="write the figures to bench/results/NAME.json")
    parser.add_argument("--db", type=Path, help="generate the data into this file, or reuse it")
    args = parser.parse_args()
    results = run(smoke=args.smoke, messages=args.messages, rounds=args.rounds, db=args.db)
    print(render(results))
    if args.save:
        print(measure.save(args.save, {args.save: results}))
