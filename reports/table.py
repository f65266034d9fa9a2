"""The summary as a CSV file that spreadsheets open with Chinese names intact.

The English headers are stable machine names for scripts; the Chinese ones are labels to read.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from reports.figures import WeekFigures, WeeklySummary
from reports.words import column

_FIGURES = (
    "received",
    "answered",
    "unanswered",
    "first_response_median_s",
    "first_response_p90_s",
    "first_response_max_s",
    "within_target",
    "met_target",
    "target_due",
    "next_reply_median_s",
    "business_received",
    "business_median_s",
    "business_p90_s",
    "off_hours_received",
    "off_hours_median_s",
    "off_hours_p90_s",
)
_AFTER_STEPS = (
    "answered_by_others",
    "on_it",
    "eta_broken",
    "unreachable",
    "rating_average",
    "complaints",
    "rating_count",
    "low_ratings",
    "supply_requests",
    "supply_out_of_stock",
    "supply_refused",
)


def render_table(summary: WeeklySummary, lang: str = "en") -> bytes:
    """Write one row per manager, as UTF-8 with BOM."""
    # Only managers' rows: a spreadsheet sums or sorts a column, and a totals row among them
    # would count the week twice. The team and the week before are in the text and the chart.
    steps = summary.steps
    # A manager's own view has no complaints column at all, not even an empty one.
    shown = summary.team.complaints is not None
    hidden = set() if shown else {"complaints"}
    header = [
        *(column(name, lang) for name in ("week", "manager", "name", *_FIGURES)),
        *(column("escalated_step", lang, step=n) for n in range(1, steps + 1)),
        *(column(name, lang) for name in _AFTER_STEPS if name not in hidden),
    ]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    week = str(summary.week)
    for manager in summary.managers:
        writer.writerow([week, manager.manager_id, manager.name, *_cells(manager, steps, shown)])
    # Excel reads the BOM as "this is UTF-8"; without it the Chinese names come out garbled.
    return out.getvalue().encode("utf-8-sig")


def _cells(figures: WeekFigures, steps: int, complaints_shown: bool) -> list[str]:
    escalations = [*figures.escalations, *([0] * steps)][:steps]
    values: list[Any] = [
        figures.received,
        figures.answered,
        figures.unanswered,
        figures.first_response.median,
        figures.first_response.p90,
        figures.first_response.max,
        None if figures.within_target is None else round(figures.within_target, 4),
        figures.met_target,
        figures.target_due,
        figures.next_reply.median,
        figures.business_received,
        figures.business.median,
        figures.business.p90,
        figures.off_hours_received,
        figures.off_hours.median,
        figures.off_hours.p90,
        *escalations,
        figures.answered_by_others,
        figures.on_it,
        figures.eta_broken,
        figures.unreachable,
        figures.rating_average,
        *([figures.complaints] if complaints_shown else []),
        figures.rating_count,
        figures.low_ratings,
        figures.supply.requests,
        figures.supply.out_of_stock,
        figures.supply.refused,
    ]
    return [_cell(value) for value in values]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        # Four decimals keep shares precise and seconds readable; whole numbers stay whole.
        return f"{value:.4f}".rstrip("0").rstrip(".") if value % 1 else str(int(value))
    return str(value)
