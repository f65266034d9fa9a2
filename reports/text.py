"""The summary as short plain text that reads on a phone without a monospace block."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from datetime import timedelta
from zoneinfo import ZoneInfo

from reports.figures import ManagerWeek, SupplyCount, WeekFigures, WeeklySummary, change

WIDTH = 40
_NAME_WIDTH = 12
_INDENT = "  "


def duration_text(seconds: float | None) -> str:
    """Write a duration the short way: '45s', '4m', '1h05m', '2d03h'; '无' when unknown."""
    if seconds is None:
        return "无"
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


def render_text(summary: WeeklySummary) -> str:
    """Render the week for a supervisor's chat: the team first, then one block per manager."""
    first_day = summary.week.monday
    last_day = first_day + timedelta(days=6)
    lines = [
        f"客服响应周报 {summary.week}",
        f"{first_day:%m月%d日}至{last_day:%m月%d日}（{summary.timezone}）",
        *_so_far(summary),
        f"首响目标 {duration_text(summary.target_seconds)}",
        "",
        f"【团队】{summary.team.managers}位经理",
        *_team_lines(summary),
        "",
        "【经理】问题/未答/达标，首响中位/P90",
    ]
    for manager in summary.managers:
        lines.extend(_manager_lines(manager))
    lines.extend(_supply_lines(summary))
    return "\n".join(lines).strip() + "\n"


def _so_far(summary: WeeklySummary) -> list[str]:
    if summary.as_of is None:
        return []
    at = summary.as_of.astimezone(ZoneInfo(summary.timezone))
    return [f"本周尚未结束：截至{at:%m月%d日 %H:%M}"]


def _team_lines(summary: WeeklySummary) -> list[str]:
    team, before = summary.team, summary.previous
    if team.received == 0 and (before is None or before.received == 0):
        return ["本周没有问题"]
    first = team.first_response
    lines = [
        f"问题 {team.received}{_versus(team.received, before.received if before else None)}",
        f"已答 {team.answered}  未答 {team.unanswered}",
        f"首响 中位{duration_text(first.median)}  P90 {duration_text(first.p90)}"
        f"  最长{duration_text(first.max)}",
        f"达标 {_share(team.within_target)}"
        + _versus_share(team.within_target, before.within_target if before else None),
    ]
    if before is not None and before.first_response.median is not None:
        lines.append(f"上周首响中位 {duration_text(before.first_response.median)}")
    lines.extend(
        [
            f"再回复 中位{duration_text(team.next_reply.median)}",
            f"工作时间 {team.business_received}问 中位{duration_text(team.business.median)}",
            f"非工作时间 {team.off_hours_received}问 中位{duration_text(team.off_hours.median)}",
        ]
    )
    lines.extend(_wrap("", _exceptions(team)))
    return lines


def _manager_lines(manager: ManagerWeek) -> list[str]:
    first = manager.first_response
    head = (
        f"{_short_name(manager.name)} {manager.received}问 未答{manager.unanswered}"
        f" 达标{_share(manager.within_target)}"
    )
    lines = [head, f"{_INDENT}首响 {duration_text(first.median)} / P90 {duration_text(first.p90)}"]
    if manager.off_hours_received:
        lines.append(
            f"{_INDENT}非工作时间 {manager.off_hours_received}问"
            f" 中位{duration_text(manager.off_hours.median)}"
        )
    lines.extend(_wrap(_INDENT, _exceptions(manager)))
    return lines


def _exceptions(figures: WeekFigures) -> list[str]:
    parts = []
    if figures.escalated:
        ladder = "/".join(str(count) for count in figures.escalations)
        parts.append(f"升级{ladder}")
    named = (
        ("他人代答", figures.answered_by_others),
        ("处理中", figures.on_it),
        ("失约", figures.eta_broken),
        ("未送达", figures.unreachable),
        ("投诉", figures.complaints),
    )
    parts.extend(f"{label}{count}" for label, count in named if count)
    if figures.rating_average is not None:
        parts.append(
            f"评分{figures.rating_average:.1f}（{figures.rating_count}条，"
            f"低分{_share(figures.low_rating_share)}）"
        )
    return parts


def _supply_lines(summary: WeeklySummary) -> list[str]:
    """Show how often orders ended out of stock or refused: team, managers, then brands."""
    team = summary.team.supply
    if not team.requests:
        return []
    names = {m.manager_id: _short_name(m.name) for m in summary.managers}
    lines = ["", f"【订货】缺货或拒绝 团队{_denied(team)}"]
    lines += [
        f"{names[m.manager_id]} {_denied(m.supply)} 缺{m.supply.out_of_stock} 拒{m.supply.refused}"
        for m in summary.managers
        if m.supply.requests
    ]
    lines.append("按品牌：")
    for brand in (b for b in summary.brands if b.manager_id is None):
        lines.append(f"{brand.brand} {_denied(brand.supply)}")
        lines += [
            f"{_INDENT}{names.get(b.manager_id or '', b.manager_id)} {_denied(b.supply)}"
            for b in summary.brands
            if b.manager_id is not None and b.brand == brand.brand and b.supply.denied
        ]
    return lines


def _denied(supply: SupplyCount) -> str:
    return f"{supply.denied}/{supply.requests}（{_share(supply.denied_share)}）"


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


def _share(share: float | None) -> str:
    return "无" if share is None else f"{round(share * 100)}%"


def _versus(now: int, before: int | None) -> str:
    moved = change(now, before)
    return "" if moved is None else f"（上周{before}，{moved:+.0f}）"


def _versus_share(now: float | None, before: float | None) -> str:
    if now is None or before is None:
        return ""
    # Moved by the shares as shown, so that the reader's own subtraction agrees.
    moved = round(now * 100) - round(before * 100)
    return f"（上周{_share(before)}，{moved:+d}个百分点）"
