"""Escalation precision: how late due steps fire, and what a sweep costs, among many open tickets.

The real application runs against the stand-in on a SQLite file holding N open tickets whose
steps are weeks away. The benchmark then makes 1,000 of them due, through the store (the same
commit path a question takes, which re-arms the Alarm's scheduled job), and reads back from the
outbox when each step's notification was written. Three figures, each with its floor:

- lag of 1,000 steps spread over a few seconds; floor: bare scheduler one-shot jobs at the same
  due times in the same process;
- a sweep (Alarm.fire with nothing due) against the bare indexed query for due rows, run
  through the same engine;
- 1,000 steps due at once: time to claim them and write their notifications, then time until
  the stand-in has them all; floor: 1,000 bare send_message calls to the same stand-in, on
  the aiohttp transport RetailDesk uses.

    python -m bench.escalation                                  # 100,000 open tickets, 3 rounds
    python -m bench.escalation --open-tickets 10000 100000 1000000
    python -m bench.escalation --smoke
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from telegram import Bot

from bench import measure
from bench.province import MANAGER_CHAT, Province
from bench.standin_process import StandinProcess
from bot.app import RetailDesk, build, serve
from bot.config import Settings
from bot.scheduler import Scheduler
from desk.clock import SystemClock
from handlers.telegram.transport import AiohttpRequest
from storage.tables import outbox, tickets

LEAD = timedelta(seconds=2)
FIRST_STEP = timedelta(minutes=15)


@dataclass(frozen=True)
class Plan:
    """Sizes for one run."""

    open_tickets: int
    due_steps: int
    spread: float
    rounds: int
    retailers: int = 20_000
    sweeps: int = 30


def generate(db: Path, plan: Plan) -> None:
    """Build the province file in a child process, so this process's memory stays clean."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.province",
            "--db",
            str(db),
            "--retailers",
            str(plan.retailers),
            "--open-tickets",
            str(plan.open_tickets),
            "--reports-sent",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )


async def start(
    tg: StandinProcess, folder: Path, province: Province
) -> tuple[RetailDesk, asyncio.Event, asyncio.Task[None]]:
    province.write_roster(folder)
    settings = Settings.from_mapping(
        province.config(tg.base_url, tg.token), env={}, config_dir=folder
    )
    app = build(settings)
    stop = asyncio.Event()
    task = asyncio.create_task(serve(app, stop))
    while not (await asyncio.to_thread(tg.stats))["by_method"].get("getUpdates"):
        if task.done():
            task.result()
        await asyncio.sleep(0.05)
    return app, stop, task


async def floor_query(app: RetailDesk) -> float:
    """Time the bare indexed query for due rows on a connection of the same engine (ms)."""
    due = (
        select(tickets.c.id)
        .where(tickets.c.next_due_at.is_not(None), tickets.c.next_due_at <= datetime.now(UTC))
        .order_by(tickets.c.next_due_at)
        .limit(500)
    )
    with measure.Stopwatch() as watch:
        async with app.store.reading() as conn:
            (await conn.execute(due)).all()
    return watch.seconds * 1000


async def sweep(app: RetailDesk) -> float:
    """Time one safety-net sweep with nothing due (ms)."""
    with measure.Stopwatch() as watch:
        await app.alarm.fire()
    return watch.seconds * 1000


async def make_due(app: RetailDesk, ids: list[int], dues: list[datetime]) -> None:
    """Bring steps due through the store, as a question would; the commit re-arms the Alarm."""
    async with app.store.transaction() as ledger:
        for ticket_id, due in zip(ids, dues, strict=True):
            ticket = await ledger.ticket(ticket_id)
            assert ticket is not None
            await ledger.save_ticket(ticket.evolve(waiting_since=due - FIRST_STEP, next_due_at=due))


async def fired_at(app: RetailDesk, ids: list[int]) -> dict[int, datetime]:
    """Return when each ticket's step notification was written to the outbox."""
    query = (
        select(outbox.c.ticket_id, func.min(outbox.c.created_at))
        .where(outbox.c.ticket_id.in_(ids), outbox.c.kind == "reminder")
        .group_by(outbox.c.ticket_id)
    )
    async with app.store.reading() as conn:
        return {row[0]: row[1] for row in (await conn.execute(query)).all()}


async def wait_fired(app: RetailDesk, ids: list[int], within: float) -> dict[int, datetime]:
    deadline = time.monotonic() + within
    while True:
        fired = await fired_at(app, ids)
        if len(fired) == len(ids) or time.monotonic() > deadline:
            return fired
        await asyncio.sleep(0.2)


async def bare_job_lags(dues: list[datetime]) -> list[float]:
    """Return the lag (ms) of bare scheduler one-shot jobs set for the same due times."""
    lags: list[float] = []
    all_rang = asyncio.Event()

    def ring(due: datetime) -> Callable[[], Awaitable[None]]:
        async def rang() -> None:
            lags.append((datetime.now(UTC) - due).total_seconds() * 1000)
            if len(lags) == len(dues):
                all_rang.set()

        return rang

    # A scheduler of its own beside the app's, so the floor shares the event loop it runs on.
    scheduler = Scheduler(SystemClock())
    scheduler.start()
    for index, due in enumerate(dues):
        scheduler.once(f"floor-{index}", ring(due), due)
    await all_rang.wait()
    await scheduler.stop()
    return lags


async def bare_sends(tg: StandinProcess, count: int) -> float:
    """Time `count` sequential bare send_message calls to manager chats (s).

    The bot uses the transport RetailDesk sends with, so the floor is not slower than it.
    """
    request = AiohttpRequest()
    async with Bot(tg.token, base_url=tg.base_url, request=request) as bot:
        with measure.Stopwatch() as watch:
            for i in range(count):
                await bot.send_message(MANAGER_CHAT + i % 10, f"floor {i}")
    return watch.seconds


async def delivered_by(tg: StandinProcess, calls_before: int, count: int, within: float) -> float:
    """Wait until `count` sends to staff arrived since `calls_before`; return the last one's wall time."""
    offset = time.time() - time.monotonic()
    deadline = time.monotonic() + within
    while True:
        calls = await asyncio.to_thread(tg.calls, calls_before)
        sends = [
            c["at"] for c in calls if c["method"].lower() == "sendmessage" and c["status"] == 200
        ]
        if len(sends) >= count or time.monotonic() > deadline:
            return max(sends, default=float("nan")) + offset
        await asyncio.sleep(0.2)


async def one_round(
    tg: StandinProcess, template: Path, plan: Plan, province: Province
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-escalation-") as name:
        folder = Path(name)
        await asyncio.to_thread(shutil.copy, template, folder / "province.db")
        rss_before = measure.rss_mb()
        app, stop, task = await start(tg, folder, province)
        try:
            await asyncio.sleep(1.0)
            rss_waiting = measure.rss_mb()
            floors = [await floor_query(app) for _ in range(plan.sweeps)]
            sweeps = [await sweep(app) for _ in range(plan.sweeps)]

            stride = max(plan.open_tickets // (2 * plan.due_steps), 1)
            spread_ids = [1 + i * stride for i in range(plan.due_steps)]
            burst_ids = [1 + (plan.due_steps + i) * stride for i in range(plan.due_steps)]

            # Spread: steps fall due one after another over `spread` seconds.
            t0 = datetime.now(UTC) + LEAD
            step = timedelta(seconds=plan.spread / plan.due_steps)
            dues = [t0 + i * step for i in range(plan.due_steps)]
            floor_lags = await bare_job_lags([d + timedelta(seconds=plan.spread + 2) for d in dues])
            t0 = datetime.now(UTC) + LEAD
            dues = [t0 + i * step for i in range(plan.due_steps)]
            await make_due(app, spread_ids, dues)
            fired = await wait_fired(app, spread_ids, plan.spread + 60)
            lags = [
                (fired[i] - due).total_seconds() * 1000
                for i, due in zip(spread_ids, dues, strict=True)
                if i in fired
            ]
            await asyncio.sleep(1.0)

            # At once: every step falls due at the same moment.
            sends_floor = await bare_sends(tg, plan.due_steps)
            calls_before = (await asyncio.to_thread(tg.stats))["calls"]
            due = datetime.now(UTC) + LEAD
            await make_due(app, burst_ids, [due] * len(burst_ids))
            fired = await wait_fired(app, burst_ids, 120)
            claimed = (max(fired.values()) - due).total_seconds()
            delivered = await delivered_by(tg, calls_before, len(burst_ids), 120) - due.timestamp()
        finally:
            stop.set()
            await task
    return {
        "rss_waiting_mb": rss_waiting,
        "rss_app_mb": rss_waiting - rss_before,
        "floor_query_ms": measure.median(floors),
        "sweep_ms": measure.median(sweeps),
        "lag_p50_ms": measure.median(lags),
        "lag_p99_ms": measure.percentile(lags, 99),
        "lag_max_ms": max(lags, default=float("nan")),
        "fired": len(lags),
        "floor_lag_p50_ms": measure.median(floor_lags),
        "floor_lag_p99_ms": measure.percentile(floor_lags, 99),
        "at_once_claim_s": claimed,
        "at_once_delivered_s": delivered,
        "at_once_fired": len(fired),
        "bare_sends_s": sends_floor,
    }


async def measure_size(plan: Plan) -> dict[str, Any]:
    province = Province(retailers=plan.retailers)
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-escalation-template-") as name:
        template = Path(name) / "template.db"
        await asyncio.to_thread(generate, template, plan)
        with StandinProcess() as tg:
            staff = [p for p in province.people() if p["user_id"] < 10_000_000]
            await asyncio.to_thread(tg.users, staff)
            for _ in range(plan.rounds):
                results.append(await one_round(tg, template, plan, province))
    medians = {key: measure.median([r[key] for r in results]) for key in results[0]}
    return {
        "open_tickets": plan.open_tickets,
        "due_steps": plan.due_steps,
        "spread_s": plan.spread,
        "rounds": plan.rounds,
        **medians,
        "sweep_ratio": medians["sweep_ms"] / medians["floor_query_ms"],
        "at_once_delivered_ratio": medians["at_once_delivered_s"] / medians["bare_sends_s"],
    }


def render(rows: list[dict[str, Any]]) -> str:
    return measure.table(
        [
            "open tickets",
            "lag p50 / p99 ms",
            "floor: bare job p50 / p99 ms",
            "sweep ms",
            "floor: due query ms",
            "ratio",
            "1,000 at once: claimed s",
            "delivered s",
            "floor: 1,000 bare sends s",
            "ratio",
            "RSS waiting MB",
        ],
        [
            [
                f"{r['open_tickets']:,}",
                f"{r['lag_p50_ms']:.0f} / {r['lag_p99_ms']:.0f}",
                f"{r['floor_lag_p50_ms']:.1f} / {r['floor_lag_p99_ms']:.1f}",
                f"{r['sweep_ms']:.2f}",
                f"{r['floor_query_ms']:.2f}",
                f"{r['sweep_ratio']:.2f}",
                f"{r['at_once_claim_s']:.2f}",
                f"{r['at_once_delivered_s']:.2f}",
                f"{r['bare_sends_s']:.2f}",
                f"{r['at_once_delivered_ratio']:.2f}",
                f"{r['rss_waiting_mb']:.0f}",
            ]
            for r in rows
        ],
    )


def run(
    *, smoke: bool = False, open_tickets: list[int] | None = None, rounds: int = 3
) -> list[dict[str, Any]]:
    """Run the escalation benchmark and return its rows."""
    if smoke:
        plans = [Plan(2_000, 50, 1.0, 1, retailers=1_000, sweeps=5)]
    else:
        plans = [Plan(n, 1_000, 10.0, rounds) for n in open_tickets or [100_000]]

    return measure.run_plans(plans, measure_size, render)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--smoke", action="store_true", help="2,000 tickets, 50 steps, one round")
    parser.add_argument("--open-tickets", type=int, nargs="+", default=[100_000])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--save", help="write the figures to bench/results/NAME.json")
    args = parser.parse_args()
    results = run(smoke=args.smoke, open_tickets=args.open_tickets, rounds=args.rounds)
    print(render(results))
    if args.save:
        print(measure.save(args.save, {args.save: results}))
