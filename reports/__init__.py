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
from reports.disputes import BrandDisputes, ManagerSupply, SupplyDisputes, supply_disputes
from reports.downloads import summary_csv, ticket_rows, write_ticket_csv
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
from reports.heatmap import Heatmap, HourCell, HourOfWeek, KeptHeatmaps, question_heatmap
from reports.low_ratings import LowRating, count_low_ratings, low_ratings
from reports.metrics import Progress, managers_week, team_summaries, weekly_summary
from reports.rota import DutySlot, rota_ahead
from reports.scope import Scope, scope_of
from reports.standings import FinishedWeeks, ManagerStanding, Standings, managers_this_week
from reports.table import render_table
from reports.text import duration_text, render_text
from reports.ticket_lists import (
    Order,
    TicketFigure,
    TicketFilter,
    TicketLine,
    TicketPage,
    tickets_behind,
)
from reports.weeks import IsoWeek, WeeklySchedule

__all__ = [
    "Audience",
    "BrandDisputes",
    "BrandWeek",
    "ChineseFontMissingError",
    "DrawChart",
    "DutySlot",
    "FinishedWeeks",
    "Heatmap",
    "HourCell",
    "HourOfWeek",
    "IsoWeek",
    "KeptHeatmaps",
    "Latency",
    "LowRating",
    "ManagerStanding",
    "ManagerSupply",
    "ManagerWeek",
    "Order",
    "Paint",
    "Progress",
    "RenderedReport",
    "ReportFormat",
    "Scope",
    "Standards",
    "Standings",
    "Summarize",
    "SummarizeTeams",
    "SupplyCount",
    "SupplyDisputes",
    "TeamWeek",
    "TicketFigure",
    "TicketFilter",
    "TicketLine",
    "TicketPage",
    "WeekFigures",
    "WeeklySchedule",
    "WeeklySummary",
    "batched",
    "build_report",
    "change",
    "chart_process",
    "chinese_font",
    "count_low_ratings",
    "deliver_due_reports",
    "draw_here",
    "duration_text",
    "low_ratings",
    "managers_this_week",
    "managers_week",
    "on_demand",
    "question_heatmap",
    "render_as",
    "render_chart",
    "render_report",
    "render_table",
    "render_text",
    "report_notices",
    "rota_ahead",
    "scope_of",
    "summarizer",
    "summary_csv",
    "supply_disputes",
    "team_summaries",
    "team_summarizer",
    "ticket_rows",
    "tickets_behind",
    "weekly_summary",
    "write_ticket_csv",
]
