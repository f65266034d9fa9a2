"""The summary as a PNG chart: first response per manager, business hours beside off hours."""

from __future__ import annotations

import importlib.util
import io
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from reports.figures import Latency, ManagerWeek, WeekFigures, WeeklySummary
from reports.text import duration_text
from reports.words import words

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.font_manager import FontProperties

# matplotlib is imported where a chart is drawn: loading it at start-up would cost the bot
# about 70 MB of memory and half a second for a chart drawn once a week.

DPI = 100
WIDTH_INCHES = 10.0
# Telegram refuses photos whose sides add up to more than 10000 pixels.
MAX_HEIGHT_INCHES = 40.0
_ROW_INCHES = 0.45
_FRAME_INCHES = 1.8
# The most bars a panel holds with readable names: the team and the slowest managers.
MAX_ROWS = int((MAX_HEIGHT_INCHES - _FRAME_INCHES) / _ROW_INCHES)

_PACKAGED_FONT = ("mpl_font", "fonts/noto/NotoSansCJKsc-Regular.otf")
_CHINESE_FAMILIES = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "PingFang SC",
)
_FALLBACK_FAMILY = "DejaVu Sans"
_registering = threading.Lock()

_MEDIAN_COLOUR = "#1f5f99"
_P90_COLOUR = "#a9c8e8"
_TARGET_COLOUR = "#c0392b"


class ChineseFontMissingError(RuntimeError):
    """No font with Simplified Chinese glyphs is installed for the chart."""


def chart_height(rows: int) -> float:
    """Return the chart's height in inches for this many bars per panel."""
    return min(MAX_HEIGHT_INCHES, max(4.0, _FRAME_INCHES + _ROW_INCHES * rows))


def chinese_font(font_file: Path | None = None) -> FontProperties:
    """Register a Simplified Chinese font with matplotlib and return properties that use it."""
    from matplotlib import font_manager
    from matplotlib.font_manager import FontProperties

    with _registering:
        for path in (font_file, _packaged_font()):
            if path is not None and str(path) not in _registered_files():
                font_manager.fontManager.addfont(path)
        installed = {entry.name for entry in font_manager.fontManager.ttflist}
    if font_file is not None:
        family: str | None = FontProperties(fname=font_file).get_name()
    else:
        family = next((name for name in _CHINESE_FAMILIES if name in installed), None)
    if family is None:
        raise ChineseFontMissingError(
            "no Simplified Chinese font found for the report chart; install mpl-font"
        )
    # The Latin fallback covers any symbol the Chinese font lacks.
    return FontProperties(family=[family, _FALLBACK_FAMILY])


def _packaged_font() -> Path | None:
    package, relative = _PACKAGED_FONT
    # find_spec locates the package without importing it: its __init__ imports pyplot.
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / relative
    return path if path.is_file() else None


def _registered_files() -> set[str]:
    from matplotlib import font_manager

    return {entry.fname for entry in font_manager.fontManager.ttflist}


def render_chart(
    summary: WeeklySummary, lang: str = "zh", *, font_file: Path | None = None
) -> bytes:
    """Draw median and p90 first response per manager, business vs off hours, as PNG bytes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    # The CJK font also carries Latin letters, and managers' names are Chinese in any language.
    font = chinese_font(font_file)
    said = words(lang)
    shown = slowest(summary.managers, MAX_ROWS - 1)
    rows: list[tuple[str, WeekFigures]] = [(said["chart.team"], summary.team)]
    rows.extend((m.name, m) for m in shown)
    height = chart_height(len(rows))
    figure = Figure(figsize=(WIDTH_INCHES, height), dpi=DPI)
    FigureCanvasAgg(figure)
    business: Axes
    off_hours: Axes
    business, off_hours = figure.subplots(1, 2, sharey=True)
    panels: tuple[tuple[Axes, str, Callable[[WeekFigures], Latency]], ...] = (
        (business, said["chart.business"], lambda f: f.business),
        (off_hours, said["chart.off_hours"], lambda f: f.off_hours),
    )
    positions = list(range(len(rows)))
    for axes, title, pick in panels:
        latencies = [pick(figures) for _, figures in rows]
        _panel(axes, title, latencies, summary.target_seconds, font, lang)
    business.set_yticks(positions, labels=[name for name, _ in rows], fontproperties=font)
    # Top to bottom, with no margin beyond the bars: matplotlib's 5 % is rows of blank on a
    # tall chart.
    business.set_ylim(len(rows) - 0.5, -0.5)
    title = said["chart.title"].format(week=summary.week, timezone=summary.timezone)
    if len(shown) < len(summary.managers):
        slow = said["chart.slowest"].format(shown=len(shown), total=len(summary.managers))
        title += f"\n{slow}"
    # Placed in inches from the top, as the margins are, so a tall chart keeps them apart.
    figure.suptitle(title, y=1 - 0.15 / height, va="top", fontproperties=font)
    handles, labels = business.get_legend_handles_labels()
    figure.legend(handles, labels, loc="lower center", ncols=3, prop=font, frameon=False)
    # Fixed margins in inches keep the title and legend clear however many managers there are.
    figure.subplots_adjust(left=0.16, right=0.97, top=1 - 1.0 / height, bottom=1.1 / height)
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


def _panel(
    axes: Axes,
    title: str,
    latencies: list[Latency],
    target_seconds: float | None,
    font: FontProperties,
    lang: str,
) -> None:
    said = words(lang)
    positions = list(range(len(latencies)))
    p90 = [_minutes(latency.p90) for latency in latencies]
    median = [_minutes(latency.median) for latency in latencies]
    axes.barh(positions, p90, height=0.7, color=_P90_COLOUR, label="P90")
    axes.barh(positions, median, height=0.35, color=_MEDIAN_COLOUR, label=said["chart.median"])
    for position, latency in zip(positions, latencies, strict=True):
        if latency.median is None:
            # No bar would read as an instant answer; say there was nothing to measure.
            axes.text(
                0,
                position,
                said["chart.unanswered"],
                va="center",
                color="grey",
                fontproperties=font,
            )
    if target_seconds is not None:
        axes.axvline(
            target_seconds / 60,
            color=_TARGET_COLOUR,
            linestyle="--",
            linewidth=1.5,
            label=said["chart.target"].format(target=duration_text(target_seconds, lang)),
        )
    axes.set_title(title, fontproperties=font)
    axes.set_xlabel(said["chart.minutes"], fontproperties=font)
    axes.set_xlim(left=0)
    axes.grid(axis="x", alpha=0.3)


def slowest(managers: Sequence[ManagerWeek], most: int) -> list[ManagerWeek]:
    """Return the managers to draw: all of them, or the `most` slowest at p90, in their order."""
    if len(managers) <= most:
        return list(managers)
    ranked = sorted(managers, key=lambda m: -(m.first_response.p90 or -1.0))
    keep = {id(m) for m in ranked[:most]}
    return [m for m in managers if id(m) in keep]


def _minutes(seconds: float | None) -> float:
    return 0.0 if seconds is None else seconds / 60
