"""What the board's cells hold: the link to the tickets behind a number, and its change.

Written in Python rather than as template macros: a province's board holds hundreds of them,
and a macro call costs several times a function's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote_plus

from markupsafe import Markup, escape

from reports.heatmap import Heatmap
from reports.weeks import IsoWeek

# The heatmap's shades: heat-0 (none) to heat-5 (the busiest, or the slowest).
SHADES = 5
# Median first responses at or past each of these many seconds get one shade darker.
SLOW_STEPS = (0.0, 300.0, 900.0, 3600.0, 4 * 3600.0)


def shade(questions: int, busiest: int) -> int:
    """Return a heatmap cell's shade of questions, scaled to the busiest cell."""
    if questions <= 0 or busiest <= 0:
        return 0
    return max(1, round(SHADES * questions / busiest))


def slow(seconds: float | None) -> int:
    """Return a heatmap cell's shade of its median first response; 0 with no answer."""
    if seconds is None:
        return 0
    return sum(1 for step in SLOW_STEPS if seconds >= step)


@lru_cache(maxsize=4096)
def _quoted(value: str) -> str:
    # A board repeats the same few figures, weeks, managers and brands hundreds of times.
    return quote_plus(value)


@dataclass(frozen=True)
class BoardLinks:
    """Link a board's numbers to their lists: a week's figures, and the heatmap's cells."""

    week: IsoWeek
    # The heatmap's window, as stamps: [since, until).
    since: str
    until: str

    def behind(
        self,
        figure: str,
        text: object,
        manager: str | None = None,
        brand: str | None = None,
    ) -> Markup:
        """Return a number of the week as a link, maybe of one manager or brand."""
        href = _opening(figure, "week", str(self.week))
        if manager:
            href += f"&amp;manager={_quoted(manager)}"
        if brand:
            href += f"&amp;brand={_quoted(brand)}"
        return Markup(f'{href}">{escape(text)}</a>')

    def cell(self, figure: str, text: object, day: int, hour: int) -> Markup:
        """Return a heatmap cell's number as a link to the tickets of that hour of the week."""
        href = _opening(figure, "since", self.since, "until", self.until)
        return Markup(f'{href}&amp;weekday={day}&amp;hour={hour}">{escape(text)}</a>')


@lru_cache(maxsize=256)
def _opening(figure: str, *bounds: str) -> str:
    """Return a link's opening up to its bounds: the same for hundreds of a board's numbers."""
    pairs = dict(zip(bounds[::2], bounds[1::2], strict=True))
    query = "&amp;".join(f"{key}={_quoted(value)}" for key, value in pairs.items())
    return f'<a class="behind" href="/console/tickets?figure={_quoted(figure)}&amp;{query}'


def moved(value: float | None, kind: str, span: Callable[[float], str]) -> Markup:
    """Return the change against last week, signed; nothing when there is none."""
    if value is None or value == 0:
        return Markup("")
    size = abs(value)
    if kind == "seconds":
        text = span(size)
    elif kind == "share":
        text = f"{size * 100:.0f}%"
    elif kind == "score":
        text = f"{size:.1f}"
    else:
        text = str(size)
    rise, sign = ("up", "+") if value > 0 else ("down", "−")
    return Markup(f'<span class="change {rise}">{sign}{escape(text)}</span>')


def heat_cells(
    heatmap: Heatmap, links: BoardLinks, kind: str, day: int, span: Callable[[float], str]
) -> Markup:
    """Return a weekday's 24 cells of the "questions" map or the "median" first-response map."""
    busiest = heatmap.busiest
    written = []
    for hour in range(24):
        cell = heatmap.cell(day, hour)
        if kind == "questions":
            shaded = shade(cell.questions, busiest)
            text = links.cell("hour", cell.questions, day, hour) if cell.questions else ""
        else:
            median = cell.median_first_response
            shaded, text = slow(median), ""
            if cell.answered and median is not None:
                text = links.cell("hour_answered", span(median), day, hour)
        written.append(f'<td class="heat-{shaded}" data-cell="{day}-{hour}">{text}</td>')
    return Markup("".join(written))
