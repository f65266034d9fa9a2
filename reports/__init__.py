"""Weekly and on-demand response-time summaries: SQL figures, text, CSV and PNG, delivery."""

from reports.build import (
    RenderedReport,
    ReportFormat,
    build_report,
    render_as,
    render_report,
)
from reports.chart import ChineseFontMissingError, chinese_font, render_chart
from reports.chart_process import DrawChart, Paint, chart_process, draw_here
from reports.delivery import (
    Audience,
    Summarize,
    SummarizeTeams,
    batched,
    deliver_due_reports,
    on_demand,
    report_notices,
    summarizer,
    team_summarizer,
)
from reports.figures import (
    BrandWeek,
    Latency,
    ManagerWeek,
    Standards,
    SupplyCount,
    TeamWeek,
    WeekFigures,
    WeeklySummary,
    change,
)
from reports.metrics import Progress, team_summaries, weekly_summary
from reports.table import render_table
from reports.text import duration_text, render_text
from reports.weeks import IsoWeek, WeeklySchedule

__all__ = [
    "Audience",
    "BrandWeek",
    "ChineseFontMissingError",
    "DrawChart",
    "IsoWeek",
    "Latency",
    "ManagerWeek",
    "Paint",
    "Progress",
    "RenderedReport",
    "ReportFormat",
    "Standards",
    "Summarize",
    "SummarizeTeams",
    "SupplyCount",
    "TeamWeek",
    "WeekFigures",
    "WeeklySchedule",
    "WeeklySummary",
    "batched",
    "build_report",
    "change",
    "chart_process",
    "chinese_font",
    "deliver_due_reports",
    "draw_here",
    "duration_text",
    "on_demand",
    "render_as",
    "render_chart",
    "render_report",
    "render_table",
    "render_text",
    "report_notices",
    "summarizer",
    "team_summaries",
    "team_summarizer",
    "weekly_summary",
]
