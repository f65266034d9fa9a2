"""Charts are drawn in a spawned process of their own, and come back whole."""

from __future__ import annotations

import io
import os

from PIL import Image

from reports import WeeklySummary, chart_process
from tests.unit.test_reports_figures import sample_summary


def painter_pid(summary: WeeklySummary, lang: str) -> bytes:
    """Say which process drew, instead of drawing."""
    return str(os.getpid()).encode()


async def test_a_chart_is_drawn_in_another_process() -> None:
    async with chart_process(painter_pid) as draw:
        first = await draw(sample_summary(("李经理",)), "zh")
        second = await draw(sample_summary(("王经理",)), "en")
    assert int(first) != os.getpid()
    # One process draws every chart of a delivery run: matplotlib is loaded once per run.
    assert first == second


async def test_the_chart_comes_back_as_the_png_drawn_there() -> None:
    async with chart_process() as draw:
        png = await draw(sample_summary(("李经理", "赵堃")), "zh")
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
        assert image.size == (1000, 400)
