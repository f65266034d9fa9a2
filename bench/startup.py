"""Memory and start-up: `retaildesk run` as its own process over a province with open tickets.

The province has 20,000 retailers (imported from the roster CSV at every start, as in
production), 500 managers, 25 supervisors and N open tickets waiting. Measured per round:
the time from spawning the process to its first getUpdates at the stand-in, and its resident
memory (VmRSS from /proc) once it is polling, plus the start-up peak (VmHWM). The floor is a
bare python-telegram-bot echo bot process (bench.echo_bot) started the same way.

Rounds are ordinary restarts: last week's summary was delivered already. One more start per
size is the first after a missed Monday delivery, when 25 summaries with charts go out at once;
its memory is read after the last of them reached the stand-in.

    python -m bench.startup                                   # 100,000 open tickets, 3 rounds
    python -m bench.startup --open-tickets 10000 100000 1000000
    python -m bench.startup --smoke
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench import measure
from bench.escalation import Plan, generate
from bench.province import Province, mark_reports_sent, write_config
from bench.standin_process import StandinProcess

ROOT = Path(__file__).resolve().parents[1]
SETTLE = 2.0


def peak_mb(pid: int) -> float:
    """Return a process's peak resident memory (VmHWM) in MB."""
    status = Path(f"/proc/{pid}/status").read_text()
    kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:"))
    return kb / 1024


def first_poll(
    tg: StandinProcess, since: int, process: subprocess.Popen[bytes], within: float
) -> float:
    """Wait for the first getUpdates after call number `since`; return its monotonic time."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        polls = [c["at"] for c in tg.calls(since) if c["method"].lower() == "getupdates"]
        if polls:
            return float(polls[0])
        if process.poll() is not None:
            raise RuntimeError(f"the process exited with {process.returncode} before polling")
        time.sleep(0.02)
    raise TimeoutError("no getUpdates in time")


def delivered(tg: StandinProcess, count: int, within: float = 300) -> None:
    """Wait until the stand-in has `count` documents (each summary ends with its CSV)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if tg.stats()["by_method"].get("sendDocument", {}).get("200", 0) >= count:
            return
        time.sleep(0.2)
    raise TimeoutError(f"fewer than {count} summaries arrived")


def launch(
    tg: StandinProcess, command: list[str], folder: Path, reports: int = 0
) -> dict[str, float]:
    """Start a bot process; return seconds to its first poll, settled RSS and peak RSS."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RETAILDESK_")}
    since = tg.stats()["calls"]
    log = (folder / "bot.log").open("ab")
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        polled = first_poll(tg, since, process, 120)
        if reports:
            delivered(tg, reports)
        time.sleep(SETTLE)
        figures = {
            "first_poll_s": polled - started,
            "rss_mb": measure.rss_mb(process.pid),
            "peak_mb": peak_mb(process.pid),
        }
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()
    return figures


def measure_size(plan: Plan) -> dict[str, Any]:
    province = Province(retailers=plan.retailers)
    desks, floors = [], []
    with tempfile.TemporaryDirectory(prefix="bench-startup-template-") as name:
        template = Path(name) / "template.db"
        generate(template, plan)
        with StandinProcess() as tg:
            staff = [p for p in province.people() if p["user_id"] < 10_000_000]
            tg.users(staff)
            for _ in range(plan.rounds):
                with tempfile.TemporaryDirectory(prefix="bench-startup-") as run_dir:
                    folder = Path(run_dir)
                    shutil.copy(template, folder / "province.db")
                    province.write_roster(folder)
                    config = write_config(province.config(tg.base_url, tg.token), folder)
                    floors.append(
                        launch(
                            tg,
                            [sys.executable, "-m", "bench.echo_bot", tg.base_url, tg.token],
                            folder,
                        )
                    )
                    desks.append(
                        launch(
                            tg,
                            [sys.executable, "-m", "bot.cli", "run", "--config", str(config)],
                            folder,
                        )
                    )
            catch_up = first_after_missed_delivery(tg, template, province)
    desk = {key: measure.median([d[key] for d in desks]) for key in desks[0]}
    floor = {key: measure.median([f[key] for f in floors]) for key in floors[0]}
    return {
        "open_tickets": plan.open_tickets,
        "retailers": plan.retailers,
        "rounds": plan.rounds,
        "desk": desk,
        "floor": floor,
        "catch_up": catch_up,
        "first_poll_ratio": desk["first_poll_s"] / floor["first_poll_s"],
        "rss_ratio": desk["rss_mb"] / floor["rss_mb"],
    }


def first_after_missed_delivery(
    tg: StandinProcess, template: Path, province: Province
) -> dict[str, float]:
    """Start once with last week's summaries unsent; read memory after they all went out."""
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as run_dir:
        folder = Path(run_dir)
        shutil.copy(template, folder / "province.db")
        with sqlite3.connect(folder / "province.db") as conn:
            conn.execute("DELETE FROM reports_sent")
        # The desk ran weeks before (it sent their summaries), so the due week's are owed;
        # a desk with no trace of an earlier week would rightly send none.
        supervisors = [f"s{s}" for s in range(province.supervisors)]
        mark_reports_sent(
            folder / "province.db", supervisors, datetime.now(UTC) - timedelta(days=14)
        )
        province.write_roster(folder)
        config = write_config(province.config(tg.base_url, tg.token), folder)
        command = [sys.executable, "-m", "bot.cli", "run", "--config", str(config)]
        before = tg.stats()["by_method"].get("sendDocument", {}).get("200", 0)
        return launch(tg, command, folder, reports=before + province.supervisors)


def render(rows: list[dict[str, Any]]) -> str:
    return measure.table(
        [
            "open tickets",
            "first getUpdates s",
            "floor: bare PTB bot s",
            "ratio",
            "RSS MB",
            "floor RSS MB",
            "ratio",
            "start-up peak MB",
            "after a missed delivery: first getUpdates s",
            "RSS MB",
        ],
        [
            [
                f"{r['open_tickets']:,}",
                f"{r['desk']['first_poll_s']:.2f}",
                f"{r['floor']['first_poll_s']:.2f}",
                f"{r['first_poll_ratio']:.2f}",
                f"{r['desk']['rss_mb']:.0f}",
                f"{r['floor']['rss_mb']:.0f}",
                f"{r['rss_ratio']:.2f}",
                f"{r['desk']['peak_mb']:.0f}",
                f"{r['catch_up']['first_poll_s']:.2f}",
                f"{r['catch_up']['rss_mb']:.0f}",
            ]
            for r in rows
        ],
    )


def run(
    *, smoke: bool = False, open_tickets: list[int] | None = None, rounds: int = 3
) -> list[dict[str, Any]]:
    """Run the start-up benchmark and return its rows."""
    if smoke:
        plans = [Plan(1_000, 0, 0, 1, retailers=1_000)]
    else:
        plans = [Plan(n, 0, 0, rounds) for n in open_tickets or [100_000]]
    rows = []
    for plan in plans:
        rows.append(measure_size(plan))
        print(render(rows[-1:]).splitlines()[-1], flush=True)
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--smoke", action="store_true", help="1,000 tickets, 1,000 retailers, one round"
    )
    parser.add_argument("--open-tickets", type=int, nargs="+", default=[100_000])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--save", help="write the figures to bench/results/NAME.json")
    args = parser.parse_args()
    results = run(smoke=args.smoke, open_tickets=args.open_tickets, rounds=args.rounds)
    print(render(results))
    if args.save:
        print(measure.save(args.save, {args.save: results}))
