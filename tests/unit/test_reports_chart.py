"""The PNG chart: Chinese labels drawn with real glyphs, at a predictable size."""

from __future__ import annotations

import io
import warnings
from dataclasses import replace

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from reports import Latency, render_chart
from reports.chart import (
    DPI,
    MAX_HEIGHT_INCHES,
    MAX_ROWS,
    _panel,
    chart_height,
    chinese_font,
    slowest,
)
from tests.unit.test_reports_figures import sample_summary


def test_the_chart_draws_chinese_names_without_missing_glyphs() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = render_chart(sample_summary(("李经理", "欧阳娜娜喆", "赵堃")))
    missing = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    assert missing == []
    assert caught == []
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
        # The team plus three managers: the minimum height of four inches.
        assert image.size == (1000, 400)


def test_the_chart_grows_with_the_team_and_stops_short_of_telegrams_limit() -> None:
    names = tuple(f"经理{n}" for n in range(20))
    with Image.open(io.BytesIO(render_chart(sample_summary(names)))) as image:
        assert image.size == (1000, round(DPI * chart_height(21)))
    assert chart_height(21) == pytest.approx(1.8 + 0.45 * 21)
    assert chart_height(1000) == MAX_HEIGHT_INCHES


def test_a_latin_font_would_have_missed_the_glyphs() -> None:
    # Proves the check above can fail: the same names in matplotlib's default font are boxes.
    figure = Figure()
    FigureCanvasAgg(figure)
    figure.suptitle("李经理", family="DejaVu Sans")
    with pytest.warns(UserWarning, match=r"Glyph \d+ .* missing from font"):
        figure.savefig(io.BytesIO(), format="png")


def test_the_chinese_font_is_registered_with_matplotlib() -> None:
    font = chinese_font()
    assert font.get_family()[0] == "Noto Sans CJK SC"


def test_a_province_draws_the_team_and_its_slowest_managers_readably() -> None:
    summary = sample_summary(tuple(f"经理{n}" for n in range(500)))
    # m1 is the slowest at p90, m3 never answered: m1 leads the chart, m3 is left out.
    managers = [
        replace(m, first_response=Latency(5, 60, 60.0 + n + (9999 if n == 0 else 0), 99))
        for n, m in enumerate(summary.managers)
    ]
    managers[2] = replace(managers[2], first_response=Latency())
    summary = replace(summary, managers=tuple(managers))

    shown = slowest(summary.managers, MAX_ROWS - 1)
    assert len(shown) == MAX_ROWS - 1
    assert shown[0].manager_id == "m1"
    assert "m3" not in {m.manager_id for m in shown}
    assert [m.manager_id for m in shown[1:]] == [f"m{n}" for n in range(500 - MAX_ROWS + 3, 501)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = render_chart(summary)
    assert caught == []
    with Image.open(io.BytesIO(png)) as image:
        assert image.size == (1000, round(DPI * chart_height(MAX_ROWS)))


def test_a_manager_with_no_answers_is_marked_not_drawn_as_an_instant_one() -> None:
    figure = Figure()
    axes = figure.subplots()
    _panel(axes, "工作时间", [Latency(2, 60, 90, 90), Latency()], 900, chinese_font(), "zh")
    assert [t.get_text().strip() for t in axes.texts] == ["无回答"]


def test_an_english_chart_labels_its_panels_in_english() -> None:
    figure = Figure()
    axes = figure.subplots()
    _panel(axes, "Working hours", [Latency(), Latency(2, 60, 90, 90)], 900, chinese_font(), "en")
    assert [t.get_text().strip() for t in axes.texts] == ["no answer"]
    assert axes.get_xlabel() == "minutes"
    assert "target 15m" in axes.get_legend_handles_labels()[1]
