"""Turn a week's figures into the text, chart and table people receive."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from desk.notices import Attachment
from desk.people import Team
from reports.chart import render_chart
from reports.chart_process import DrawChart
from reports.figures import USUAL_STANDARDS, Standards, WeeklySummary
from reports.metrics import Progress, weekly_summary
from reports.table import render_table
from reports.text import render_text
from reports.weeks import IsoWeek


class ReportFormat(StrEnum):
    """How the CLI writes a report out."""

    TEXT = "text"
    CSV = "csv"
    PNG = "png"


@dataclass(frozen=True)
class RenderedReport:
    """A week's report ready to send: the message text, the chart photo and the CSV file."""

    week: IsoWeek
    text: str
    chart: Attachment
    table: Attachment


async def render_report(summary: WeeklySummary, lang: str, draw: DrawChart) -> RenderedReport:
    """Render all three forms of a summary, the chart through `draw`."""
    stem = f"report-{summary.week}"
    chart = await draw(summary, lang)
    return RenderedReport(
        week=summary.week,
        text=render_text(summary, lang),
        chart=Attachment(f"{stem}.png", chart, as_photo=True),
        table=Attachment(f"{stem}.csv", render_table(summary, lang), as_photo=False),
    )


def render_as(summary: WeeklySummary, form: ReportFormat, lang: str | None = None) -> bytes:
    """Render one form of a summary as the bytes of a file, in a language or the default's."""
    # Without a language asked for, a CSV keeps its stable column names for scripts.
    if form is ReportFormat.CSV:
        return render_table(summary, lang or "en")
    if form is ReportFormat.PNG:
        return render_chart(summary, lang or "zh")
    return render_text(summary, lang or "zh").encode("utf-8")


async def build_report(
    conn: AsyncConnection,
    team: Team,
    week: IsoWeek,
    tz: ZoneInfo,
    form: ReportFormat,
    *,
    supervisor_id: str | None = None,
    manager_id: str | None = None,
    progress: Progress | None = None,
    standards: Standards = USUAL_STANDARDS,
    now: datetime | None = None,
    lang: str | None = None,
) -> bytes:
    """Compute a week's summary and render it in one form, for the CLI."""
    summary = await weekly_summary(
        conn,
        team,
        week,
        tz,
        supervisor_id=supervisor_id,
        manager_id=manager_id,
        progress=progress,
        standards=standards,
    )
    if now is not None:
        summary = summary.so_far(now, tz)
    return render_as(summary, form, lang)
