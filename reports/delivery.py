"""Send each supervisor the week's summary once, and answer /report and /mystats."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from desk.context import DeskContext
from desk.languages import as_picked
from desk.notices import Attachment, Notice, NoticeKind
from desk.people import Staff, Supervisor, Team
from reports.build import RenderedReport, render_report
from reports.chart_process import DrawChart, draw_here
from reports.figures import USUAL_STANDARDS, Standards, WeeklySummary
from reports.metrics import team_summaries, weekly_summary
from reports.weeks import IsoWeek, WeeklySchedule

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Audience:
    """Whose figures a report covers: a supervisor's managers, or one manager."""

    supervisor_id: str | None = None
    manager_id: str | None = None


Summarize = Callable[[IsoWeek, Audience], Awaitable[WeeklySummary]]
"""Compute a week's summary for an audience."""


def summarizer(
    reading: Callable[[], AbstractAsyncContextManager[AsyncConnection]],
    team: Team,
    tz: ZoneInfo,
    standards: Standards = USUAL_STANDARDS,
) -> Summarize:
    """Return a Summarize that reads through a connection opener such as SqlStore.reading."""

    async def summarize(week: IsoWeek, audience: Audience) -> WeeklySummary:
        async with reading() as conn:
            return await weekly_summary(
                conn,
                team,
                week,
                tz,
                supervisor_id=audience.supervisor_id,
                manager_id=audience.manager_id,
                standards=standards,
            )

    return summarize


SummarizeTeams = Callable[[IsoWeek, tuple[str, ...]], Awaitable[Mapping[str, WeeklySummary]]]
"""Compute a week's summary for each of several supervisors at once."""


def team_summarizer(
    reading: Callable[[], AbstractAsyncContextManager[AsyncConnection]],
    team: Team,
    tz: ZoneInfo,
    standards: Standards = USUAL_STANDARDS,
) -> SummarizeTeams:
    """Return a SummarizeTeams that reads through a connection opener such as SqlStore.reading."""

    async def summarize(week: IsoWeek, supervisor_ids: tuple[str, ...]) -> dict[str, WeeklySummary]:
        return await team_summaries(reading, team, week, tz, supervisor_ids, standards)

    return summarize


def batched(summarize: Summarize, summarize_teams: SummarizeTeams, team: Team) -> Summarize:
    """Return a Summarize for one delivery run that reads a week once for every supervisor.

    The first supervisor asked for brings every supervisor's summary of that week, and each is
    handed out once. Asked again, or for anyone else, a summary is computed on its own, as it is
    after a failure of the shared one.
    """
    ready: dict[tuple[IsoWeek, str], WeeklySummary] = {}
    tried: set[IsoWeek] = set()

    async def summarize_one(week: IsoWeek, audience: Audience) -> WeeklySummary:
        supervisor_id = audience.supervisor_id
        if supervisor_id is None or audience.manager_id is not None:
            return await summarize(week, audience)
        if week not in tried:
            tried.add(week)
            ids = tuple(s for s in team.supervisors if team.team_of(s))
            found = await summarize_teams(week, ids)
            ready.update({(week, s): summary for s, summary in found.items()})
        summary = ready.pop((week, supervisor_id), None)
        return summary if summary is not None else await summarize(week, audience)

    return summarize_one


async def deliver_due_reports(
    ctx: DeskContext,
    schedule: WeeklySchedule,
    summarize: Summarize,
    draw: DrawChart = draw_here,
) -> int:
    """Send the due week's summary to every supervisor with managers who lacks it; count them.

    The running bot passes a `draw` of reports.chart_process, so that charts never hold up
    questions.
    """
    now = ctx.clock.now()
    week = schedule.due_week(now, ctx.timezone)
    async with ctx.store.peek() as ledger:
        began = await ledger.in_service_since()
    # A week that was over before the desk stored anything is not summarized: "no questions"
    # for a week nobody could ask in would be false comfort.
    if began is None or week.bounds(ctx.timezone)[1] <= began:
        return 0
    sent = 0
    for supervisor in ctx.team.supervisors.values():
        if not ctx.team.team_of(supervisor.id):
            continue
        try:
            sent += await _deliver(ctx, summarize, draw, week, supervisor)
        except Exception:
            # One supervisor's failure must not cost the others their report; the claim
            # rolled back with it, so the next run tries again.
            logger.exception("weekly report %s for %s failed", week, supervisor.id)
    return sent


async def _deliver(
    ctx: DeskContext, summarize: Summarize, draw: DrawChart, week: IsoWeek, supervisor: Supervisor
) -> int:
    async with ctx.store.peek() as ledger:
        # A restart or a second worker finds the week sent and skips the work entirely.
        if await ledger.report_claimed(str(week), supervisor.id):
            return 0
        supervisor = await as_picked(ledger, supervisor)
    # Built outside the write transaction: on SQLite, holding the one writer while the chart
    # is drawn would keep every question out of the inbox for seconds.
    summary = await summarize(week, Audience(supervisor_id=supervisor.id))
    report = await render_report(summary, supervisor.lang, draw)
    async with ctx.store.transaction() as ledger:
        # The claim commits only together with the notices; a worker that lost the race
        # meanwhile throws its copy away.
        if not await ledger.claim_report(str(week), supervisor.id, ctx.clock.now()):
            return 0
        for notice in report_notices(ctx, supervisor, report):
            await ledger.post(notice)
    return 1


def report_notices(ctx: DeskContext, staff: Staff, report: RenderedReport) -> list[Notice]:
    """Return the three messages of a report: the text, the chart photo and the CSV file."""
    address = ctx.reach(staff)
    week = str(report.week)

    def notice(params: dict[str, str], attachment: Attachment | None = None) -> Notice:
        return Notice(
            to=staff.id,
            address=address,
            kind=NoticeKind.REPORT,
            lang=staff.lang,
            params=dict(params),
            attachment=attachment,
        )

    return [
        notice({"week": week, "text": report.text}),
        notice({"week": week}, report.chart),
        notice({"week": week}, report.table),
    ]


async def on_demand(
    ctx: DeskContext,
    summarize: Summarize,
    staff: Staff,
    week: IsoWeek | None = None,
    draw: DrawChart = draw_here,
) -> RenderedReport:
    """Build the report a staff member asks for: a supervisor's team, or a manager's own week.

    Without a week it covers the week in progress, as it stands now.
    """
    now = ctx.clock.now()
    week = week or IsoWeek.containing(now, ctx.timezone)
    if isinstance(staff, Supervisor):
        audience = Audience(supervisor_id=staff.id)
    else:
        audience = Audience(manager_id=staff.id)
    summary = (await summarize(week, audience)).so_far(now, ctx.timezone)
    return await render_report(summary, staff.lang, draw)
