"""The summary as short plain text that reads on a phone without a monospace block."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from datetime import timedelta
from zoneinfo import ZoneInfo

from reports.figures import ManagerWeek, SupplyCount, WeekFigures, WeeklySummary, change
from reports.words import words

WIDTH = 40
_NAME_WIDTH = 12
_INDENT = "  "


def duration_text(seconds: float | None, lang: str = "zh") -> str:
    """Write a duration the short way: '45s', '4m', '1h05m', '2d03h'; '无' when unknown."""
    if seconds is None:
        return words(lang)["none"]
    whole = round(seconds)
    if whole < 60:
        return f"{whole}s"
    minutes = (whole + 30) // 60
    if minutes < 60:
        return f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h{minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d{hours:02d}h"


def display_width(line: str) -> int:
    """Return how many columns a line takes, counting CJK (and ambiguous) characters as two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WFA" else 1 for c in line)


def render_text(summary: WeeklySummary, lang: str = "zh") -> str:
    """Render the week for a supervisor's chat: the team first, then one block per manager."""
    say = _Sayer(lang)
    first_day = summary.week.monday
    lines = [
        say("title", week=summary.week),
        say(
            "dates", first=first_day, last=first_day + timedelta(days=6), timezone=summary.timezone
        ),
        *_so_far(summary, say),
        say("target", target=say.duration(summary.target_seconds)),
        "",
        say("team", count=summary.team.managers),
        *_team_lines(summary, say),
        "",
        say("managers"),
    ]
    for manager in summary.managers:
        lines.extend(_manager_lines(manager, say))
    lines.extend(_supply_lines(summary, say))
    return "\n".join(lines).strip() + "\n"


class _Sayer:
    """Fill the summary's words in one language."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.words = words(lang)

    def __call__(self, key: str, **params: object) -> str:
        return self.words[key].format(**params)

    def duration(self, seconds: float | None) -> str:
        return duration_text(seconds, self.lang)

    def share(self, share: float | None) -> str:
        return self.words["none"] if share is None else f"{round(share * 100)}%"

    def versus(self, now: int, before: int | None) -> str:
        moved = change(now, before)
        return "" if moved is None else self("versus", before=before, moved=moved)

    def versus_share(self, now: float | None, before: float | None) -> str:
        if now is None or before is None:
            return ""
        # Moved by the shares as shown, so that the reader's own subtraction agrees.
        moved = round(now * 100) - round(before * 100)
        return self("versus_share", before=self.share(before), moved=moved)


def _so_far(summary: WeeklySummary, say: _Sayer) -> list[str]:
    if summary.as_of is None:
        return []
    return [say("so_far", at=summary.as_of.astimezone(ZoneInfo(summary.timezone)))]


def _team_lines(summary: WeeklySummary, say: _Sayer) -> list[str]:
    team, before = summary.team, summary.previous
    if team.received == 0 and (before is None or before.received == 0):
        return [say("quiet")]
    first = team.first_response
    lines = [
        say(
            "received",
            count=team.received,
            versus=say.versus(team.received, before.received if before else None),
        ),
        say("answered", answered=team.answered, unanswered=team.unanswered),
        say(
            "first_response",
            median=say.duration(first.median),
            p90=say.duration(first.p90),
            max=say.duration(first.max),
        ),
        say(
            "within_target",
            share=say.share(team.within_target),
            versus=say.versus_share(team.within_target, before.within_target if before else None),
        ),
    ]
    if before is not None and before.first_response.median is not None:
        lines.append(say("last_median", median=say.duration(before.first_response.median)))
    lines.extend(
        [
            say("next_reply", median=say.duration(team.next_reply.median)),
            say(
                "business", count=team.business_received, median=say.duration(team.business.median)
            ),
            say(
                "off_hours",
                count=team.off_hours_received,
                median=say.duration(team.off_hours.median),
            ),
        ]
    )
    lines.extend(_wrap("", _exceptions(team, say)))
    return lines


def _manager_lines(manager: ManagerWeek, say: _Sayer) -> list[str]:
    first = manager.first_response
    head = say(
        "manager",
        name=_short_name(manager.name),
        count=manager.received,
        unanswered=manager.unanswered,
        share=say.share(manager.within_target),
    )
    first_line = say(
        "manager_first", median=say.duration(first.median), p90=say.duration(first.p90)
    )
    lines = [head, f"{_INDENT}{first_line}"]
    if manager.off_hours_received:
        off_hours = say(
            "off_hours",
            count=manager.off_hours_received,
            median=say.duration(manager.off_hours.median),
        )
        lines.append(f"{_INDENT}{off_hours}")
    lines.extend(_wrap(_INDENT, _exceptions(manager, say)))
    return lines


def _exceptions(figures: WeekFigures, say: _Sayer) -> list[str]:
    parts = []
    if figures.escalated:
        parts.append(say("escalated", ladder="/".join(str(n) for n in figures.escalations)))
    named = (
        ("by_others", figures.answered_by_others),
        ("on_it", figures.on_it),
        ("eta_broken", figures.eta_broken),
        ("unreachable", figures.unreachable),
        ("complaints", figures.complaints),
    )
    parts.extend(say(key, count=count) for key, count in named if count)
    if figures.rating_average is not None:
        parts.append(
            say(
                "ratings",
                average=figures.rating_average,
                count=figures.rating_count,
                share=say.share(figures.low_rating_share),
            )
        )
    return parts


def _supply_lines(summary: WeeklySummary, say: _Sayer) -> list[str]:
    """Show how often orders ended out of stock or refused: team, managers, then brands."""
    team = summary.team.supply
    if not team.requests:
        return []
    names = {m.manager_id: _short_name(m.name) for m in summary.managers}
    lines = ["", say("supply", denied=_denied(team, say))]
    lines += [
        say(
            "supply_manager",
            name=names[m.manager_id],
            denied=_denied(m.supply, say),
            out_of_stock=m.supply.out_of_stock,
            refused=m.supply.refused,
        )
        for m in summary.managers
        if m.supply.requests
    ]
    lines.append(say("by_brand"))
    for brand in (b for b in summary.brands if b.manager_id is None):
        lines.append(f"{brand.brand} {_denied(brand.supply, say)}")
        lines += [
            f"{_INDENT}{names.get(b.manager_id or '', b.manager_id)} {_denied(b.supply, say)}"
            for b in summary.brands
            if b.manager_id is not None and b.brand == brand.brand and b.supply.denied
        ]
    return lines


def _denied(supply: SupplyCount, say: _Sayer) -> str:
    return say(
        "denied",
        denied=supply.denied,
        requests=supply.requests,
        share=say.share(supply.denied_share),
    )


def _wrap(indent: str, parts: Iterable[str]) -> list[str]:
    lines: list[str] = []
    current = ""
    for part in parts:
        candidate = f"{current} {part}" if current else f"{indent}{part}"
        if current and display_width(candidate) > WIDTH:
            lines.append(current)
            candidate = f"{indent}{part}"
        current = candidate
    return [*lines, current] if current else lines


def _short_name(name: str) -> str:
    # A long name would push the figures past a phone's line; cut it to whole characters.
    out = ""
    for char in name:
        if display_width(out + char) > _NAME_WIDTH:
            break
        out += char
    return out
