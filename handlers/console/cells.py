"""What the board's cells hold: the link to the tickets behind a number, and its change.

Written in Python rather than as template macros: a province's board holds hundreds of them,
and a macro call costs several times a function's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from markupsafe import Markup

from reports.weeks import IsoWeek

_LINK = Markup('<a class="behind" href="/console/tickets?{}">{}</a>')
_CHANGE = Markup('<span class="change {}">{}{}</span>')


def behind_link(query: dict[str, object], text: object) -> Markup:
    """Return a number as a link to the ticket list its query names."""
    return _LINK.format(urlencode(query), text)


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
        query: dict[str, object] = {"figure": figure, "week": self.week}
        if manager:
            query["manager"] = manager
        if brand:
            query["brand"] = brand
        return behind_link(query, text)

    def cell(self, figure: str, text: object, day: int, hour: int) -> Markup:
        """Return a heatmap cell's number as a link to the tickets of that hour of the week."""
        query = {"figure": figure, "since": self.since, "until": self.until}
        return behind_link({**query, "weekday": day, "hour": hour}, text)


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
    return _CHANGE.format("up" if value > 0 else "down", "+" if value > 0 else "−", text)


__all__ = ["BoardLinks", "behind_link", "moved"]
