"""The CSV a supervisor opens in a spreadsheet."""

from __future__ import annotations

import csv
import io
from dataclasses import replace

from reports import render_table
from tests.unit.test_reports_figures import sample_summary


def rows_of(table: bytes) -> list[dict[str, str]]:
    """Read the CSV back the way a spreadsheet would."""
    return list(csv.DictReader(io.StringIO(table.decode("utf-8-sig"))))


def test_the_file_starts_with_a_byte_order_mark() -> None:
    assert render_table(sample_summary()).startswith(b"\xef\xbb\xbf")


def test_one_row_per_manager_and_no_totals_among_them() -> None:
    rows = rows_of(render_table(sample_summary()))

    assert [(r["week"], r["manager"], r["name"]) for r in rows] == [
        ("2026-W47", "m1", "李经理"),
        ("2026-W47", "m2", "欧阳娜娜喆"),
    ]


def test_every_figure_has_a_column() -> None:
    header = render_table(sample_summary()).decode("utf-8-sig").splitlines()[0].split(",")
    assert header[:3] == ["week", "manager", "name"]
    assert {"escalated_step1", "escalated_step2", "escalated_step3"} <= set(header)
    assert {"rating_average", "within_target", "off_hours_median_s"} <= set(header)


def test_figures_are_written_plainly() -> None:
    m1 = rows_of(render_table(sample_summary()))[0]
    assert (m1["received"], m1["answered"], m1["unanswered"]) == ("10", "7", "3")
    assert (m1["first_response_median_s"], m1["first_response_p90_s"]) == ("600", "4680")
    assert m1["within_target"] == "0.4444"
    assert (m1["escalated_step1"], m1["escalated_step3"]) == ("5", "2")
    assert m1["rating_average"] == ""


def test_complaints_have_a_column_only_where_they_are_counted() -> None:
    hidden = sample_summary()
    m1 = replace(hidden.managers[0], complaints=3)
    counted = replace(
        hidden, managers=(m1, *hidden.managers[1:]), team=replace(hidden.team, complaints=3)
    )

    assert "complaints" not in rows_of(render_table(hidden))[0]
    assert rows_of(render_table(counted))[0]["complaints"] == "3"


def test_a_chinese_reader_gets_chinese_headers_and_the_same_cells() -> None:
    summary = sample_summary()
    chinese = rows_of(render_table(summary, "zh"))
    english = rows_of(render_table(summary, "en"))

    assert list(chinese[0])[:4] == ["周次", "经理编号", "姓名", "问题数"]
    assert "升级第1级" in chinese[0]
    assert [list(r.values()) for r in chinese] == [list(r.values()) for r in english]
