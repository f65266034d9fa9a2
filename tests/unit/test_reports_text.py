"""The phone-sized text of a weekly summary."""

from __future__ import annotations

from dataclasses import replace

import pytest

from reports import IsoWeek, TeamWeek, WeeklySummary, duration_text, render_text
from reports.text import WIDTH, display_width
from tests.unit.test_reports_figures import sample_summary


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (None, "无"),
        (0, "0s"),
        (45.4, "45s"),
        (59.6, "1m"),
        (240, "4m"),
        (269, "4m"),
        (270, "5m"),
        (3599, "1h00m"),
        (3900, "1h05m"),
        (86400 + 3 * 3600, "1d03h"),
    ],
)
def test_durations_are_short(seconds: float | None, shown: str) -> None:
    assert duration_text(seconds) == shown


def test_every_line_fits_a_phone() -> None:
    text = render_text(sample_summary(("李经理", "欧阳娜娜喆", "Konstantinos Papadopoulos")))
    too_wide = [line for line in text.splitlines() if display_width(line) > WIDTH]
    assert too_wide == []


def test_the_text_names_the_week_the_team_and_each_manager() -> None:
    text = render_text(sample_summary())
    assert text.startswith("客服响应周报 2026-W47\n11月16日至11月22日（Asia/Shanghai）\n")
    assert "首响目标 15m" in text
    assert "【团队】2位经理" in text
    assert "问题 21（上周2，+19）" in text
    assert "首响 中位6m  P90 57m  最长2h00m" in text
    assert "达标 58%（上周100%，-42个百分点）" in text
    assert "非工作时间 5问 中位50m" in text
    assert "李经理 10问 未答3 达标44%" in text
    assert "  首响 10m / P90 1h18m" in text
    # Forty columns hold four of m1's five exceptions; the fifth wraps, still indented.
    assert "  升级5/4/2 他人代答2 处理中2 失约1\n  未送达1\n" in text
    assert "欧阳娜娜喆 11问 未答3 达标44%" in text


def test_a_quiet_week_says_so() -> None:
    quiet = WeeklySummary(IsoWeek(2026, 47), "Asia/Shanghai", None, (), TeamWeek(), TeamWeek())
    text = render_text(quiet)
    assert "本周没有问题" in text
    assert "首响目标 无" in text


def test_the_change_in_share_agrees_with_the_shares_shown() -> None:
    # 84.49 % against 85.51 %: shown as 84 % and 86 %, so the change reads -2, not -1.
    summary = sample_summary()
    assert summary.previous is not None
    now = replace(summary.team, met_target=8449, target_due=10000)
    before = replace(summary.previous, met_target=8551, target_due=10000)
    text = render_text(replace(summary, team=now, previous=before))
    assert "达标 84%（上周86%，-2个百分点）" in text


def test_an_english_reader_gets_the_summary_in_english() -> None:
    text = render_text(sample_summary(), "en")

    assert text.startswith("Response-time report 2026-W47\nNov 16 to Nov 22 (Asia/Shanghai)\n")
    assert "First-response target 15m" in text
    assert "Questions 21 (last wk 2, +19)" in text
    assert "In target 58% (last wk 100%, -42 pts)" in text
    assert "李经理 10q 3 open 44% in target" in text
    # Only the managers' own names are left in Chinese.
    without_names = text.replace("李经理", "").replace("欧阳娜娜喆", "")
    assert [c for c in without_names if "\u4e00" <= c <= "\u9fff"] == []


def test_every_english_line_fits_a_phone_too() -> None:
    text = render_text(sample_summary(("李经理", "Konstantinos Papadopoulos")), "en")
    assert [line for line in text.splitlines() if display_width(line) > WIDTH] == []


def test_an_english_quiet_week_says_so() -> None:
    quiet = WeeklySummary(IsoWeek(2026, 47), "Asia/Shanghai", None, (), TeamWeek(), TeamWeek())
    text = render_text(quiet, "en")
    assert "No questions this week" in text
    assert "First-response target none" in text
