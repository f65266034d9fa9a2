"""Medians, percentiles, process readings and the results file every benchmark shares."""

from __future__ import annotations

import asyncio
import json
import os
import platform
import statistics
import subprocess
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

P = TypeVar("P")
RESULTS = Path(__file__).with_name("results")


def median(values: Sequence[float]) -> float:
    """Return the median, or nan for no values."""
    return statistics.median(values) if values else float("nan")


def percentile(values: Sequence[float], pct: float) -> float:
    """Return the pct-th percentile (inclusive method), or nan for no values."""
    if not values:
        return float("nan")
    if len(values) == 1:
        return float(values[0])
    cuts = statistics.quantiles(values, n=1000, method="inclusive")
    return cuts[min(int(pct * 10) - 1, len(cuts) - 1)]


def rss_mb(pid: int | None = None) -> float:
    """Return a process's resident memory in MB, read from /proc."""
    status = Path(f"/proc/{pid or os.getpid()}/status").read_text()
    kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
    return kb / 1024


def cpu_seconds(pid: int | None = None) -> float:
    """Return a process's user + system CPU time in seconds, read from /proc."""
    fields = Path(f"/proc/{pid or os.getpid()}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine() -> dict[str, Any]:
    """Describe the machine and its load, for the record next to the figures."""
    model = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": model,
        "cores": os.cpu_count(),
        "memory_gb": round(int(memory) / 1024 / 1024, 1),
        "python": platform.python_version(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "commit": _commit(),
    }


def _commit() -> str:
    """Return the checked-out commit the figures belong to, when run from a git tree."""
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
        )
    except OSError:
        return "unknown"
    return done.stdout.strip() or "unknown"


class Stopwatch:
    """Time a block on the monotonic clock."""

    def __enter__(self) -> Stopwatch:
        self.started = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *_: object) -> None:
        self.seconds = time.perf_counter() - self.started


def save(name: str, figures: dict[str, Any]) -> Path:
    """Write one benchmark's figures, with the machine they were taken on, as JSON."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(
        json.dumps({"machine": machine(), **figures}, indent=2, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    return path


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Render rows as a Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def run_plans(
    plans: Sequence[P],
    measure_size: Callable[[P], Awaitable[dict[str, Any]]],
    render: Callable[[list[dict[str, Any]]], str],
) -> list[dict[str, Any]]:
    """Measure each size in turn, printing its table row as soon as it is known."""

    async def each() -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for plan in plans:
            rows.append(await measure_size(plan))
            print(render(rows[-1:]).splitlines()[-1], flush=True)
        return rows

    return asyncio.run(each())
