"""Reports in the running bot (weekly delivery, /report) and on the command line."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from pathlib import Path

from bot.config import Settings
from bot.progress import terminal_progress
from bot.scheduler import Scheduler
from desk.clock import SystemClock
from desk.context import DeskContext
from desk.people import Staff
from reports import (
    DrawChart,
    IsoWeek,
    ReportFormat,
    Standards,
    Summarize,
    WeeklySchedule,
    batched,
    build_report,
    chart_process,
    deliver_due_reports,
    on_demand,
    summarizer,
    team_summarizer,
)
from reports.staff_report import ReportMaker, StaffReport, WeekNotBegunError
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.store import SqlStore

log = logging.getLogger(__name__)


Charts = Callable[[], AbstractAsyncContextManager[DrawChart]]
"""Open a chart drawer for one delivery run or one /report, such as reports.chart_process."""


class WeeklyReports:
    """Deliver last week's summary to each supervisor once, on schedule and after downtime."""

    def __init__(
        self,
        ctx: DeskContext,
        store: SqlStore,
        schedule: WeeklySchedule,
        charts: Charts = chart_process,
    ) -> None:
        self.ctx = ctx
        self.schedule = schedule
        self.charts = charts
        standards = Standards(ctx.policy, ctx.ratings.low)
        self.summarize: Summarize = summarizer(store.reading, ctx.team, ctx.timezone, standards)
        self.summarize_teams = team_summarizer(store.reading, ctx.team, ctx.timezone, standards)

    def start(self, scheduler: Scheduler) -> None:
        """Schedule delivery at each weekly slot in the desk's timezone."""
        scheduler.following("weekly-reports", self._job, self._next_slot)

    def catch_up(self, scheduler: Scheduler) -> None:
        """Send any summary missed while the bot was down, at once but as a job of its own."""
        scheduler.once("weekly-reports-catch-up", self._job, self.ctx.clock.now())

    def _next_slot(self, now: datetime) -> datetime:
        """Return the first delivery moment after the last one that has passed."""
        zone = self.ctx.timezone
        return self.schedule.delivery_of(self.schedule.due_week(now, zone).following(), zone)

    async def deliver_due(self) -> int:
        """Send the due week's summaries that were not sent yet, reading the week once."""
        summarize = batched(self.summarize, self.summarize_teams, self.ctx.team)
        async with self.charts() as draw:
            return await deliver_due_reports(self.ctx, self.schedule, summarize, draw)

    def maker(self) -> ReportMaker:
        """Return what /report and /mystats use."""

        async def make(staff: Staff, week: str | None) -> StaffReport:
            chosen = IsoWeek.parse(week) if week is not None else None
            if chosen is not None and not chosen.begun(self.ctx.clock.now(), self.ctx.timezone):
                raise WeekNotBegunError(str(chosen))
            async with self.charts() as draw:
                return await on_demand(self.ctx, self.summarize, staff, chosen, draw)

        return make

    async def _job(self) -> None:
        try:
            sent = await self.deliver_due()
        except Exception:
            log.exception("weekly reports failed; they go out at the next start or run")
            return
        log.info("weekly reports sent to %d supervisors", sent)


async def print_report(
    settings: Settings, week: str | None, form: str, out: Path | None, lang: str | None = None
) -> int:
    """Write a week's summary for all supervisors to a file or stdout."""
    zone = settings.zone()
    clock = SystemClock()
    now = clock.now()
    try:
        chosen = (
            IsoWeek.parse(week) if week is not None else IsoWeek.containing(now, zone).previous()
        )
    except ValueError as error:
        print(f"--week {week}: {error}", file=sys.stderr)
        return 2
    if not chosen.begun(now, zone):
        print(f"--week {week}: {chosen} has not begun yet", file=sys.stderr)
        return 2
    unusable = _unusable(out)
    if unusable:
        # Said before the work: a large history takes a while to count.
        print(f"--out {out}: {unusable}", file=sys.stderr)
        return 2
    store = SqlStore(make_engine(settings.storage.url, settings.config_dir), clock)
    try:
        await upgrade(store.engine)
        with terminal_progress("report", "step") as progress:
            async with store.reading() as conn:
                body = await build_report(
                    conn,
                    settings.team(),
                    chosen,
                    zone,
                    ReportFormat(form),
                    progress=progress,
                    standards=Standards(settings.policy(), settings.rating_policy().low),
                    now=now,
                    lang=lang,
                )
    finally:
        await store.dispose()
    if out is None:
        sys.stdout.buffer.write(body)
        sys.stdout.flush()
        return 0
    try:
        await asyncio.to_thread(out.write_bytes, body)
    except OSError as error:
        print(f"--out {out}: {error.strerror or error}", file=sys.stderr)
        return 1
    print(f"{out}: {form} report for {chosen}", file=sys.stderr)
    return 0


def _unusable(out: Path | None) -> str | None:
    """Say why the report could not be written to this path, if it plainly could not."""
    if out is None:
        return None
    if out.is_dir():
        return "is a folder; name a file"
    if not out.parent.is_dir():
        return f"the folder {out.parent} does not exist"
    return None
