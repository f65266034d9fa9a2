"""The PNG chart: Chinese labels drawn with real glyphs, at a predictable size."""

from __future__ import annotations

import io
import warnings

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from reports import render_chart
from reports.chart import DPI, MAX_HEIGHT_INCHES, chart_height, chinese_font
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
