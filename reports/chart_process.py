"""Draw report charts in a process of their own, so drawing never holds up questions."""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor
from contextlib import asynccontextmanager

from reports.chart import render_chart
from reports.figures import WeeklySummary

DrawChart = Callable[[WeeklySummary, str], Awaitable[bytes]]
"""Draw a summary's chart as PNG bytes in a language."""

Paint = Callable[[WeeklySummary, str], bytes]
"""Draw a chart synchronously; run in the chart process, so it must be importable by name."""


async def draw_here(summary: WeeklySummary, lang: str) -> bytes:
    """Draw a chart in a thread of this process, where nothing else waits (the CLI, tests)."""
    return await asyncio.to_thread(render_chart, summary, lang)


@asynccontextmanager
async def chart_process(paint: Paint = render_chart) -> AsyncIterator[DrawChart]:
    """Yield a DrawChart that draws in one spawned process, started at the first chart."""
    # matplotlib in a thread still holds the interpreter for most of a chart, so questions
    # would wait for it. Spawn, not fork: a forked child would inherit the event loop, the
    # database connections and locks other threads hold. The process lives only as long as
    # the block, so its ~70 MB of matplotlib is not kept all week for a weekly chart.
    pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    loop = asyncio.get_running_loop()

    async def draw(summary: WeeklySummary, lang: str) -> bytes:
        return await loop.run_in_executor(pool, paint, summary, lang)

    try:
        yield draw
    finally:
        # Not waiting: a chart cut short by a stop is drawn again at the next delivery run.
        pool.shutdown(wait=False, cancel_futures=True)
