"""The board's pure parts: sorting the managers, the heatmap's shades, a number's link read back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from handlers.console.board import Sort, board_filter, score, share, stamp
from handlers.console.cells import BoardLinks, moved, shade, slow
from reports import HourOfWeek, IsoWeek, Latency, ManagerStanding, ManagerWeek, TicketFigure
from tests.unit.conftest import SHANGHAI, TUESDAY_10AM
from tests.unit.fakes import FakeClock


def standing(manager_id: str, *, median: float | None, escalations: int) -> ManagerStanding:
    week = ManagerWeek(
        manager_id=manager_id,
        name=manager_id,
        business=Latency(1, median, median, median),
        escalations=(escalations,),
    )
    return ManagerStanding(
        manager_id, manager_id, 0, week, ManagerWeek(manager_id=manager_id, name=manager_id)
    )


ROWS = (
    standing("b", median=60.0, escalations=2),
    standing("a", median=None, escalations=0),
    standing("c", median=30.0, escalations=1),
)


def ids(rows: list[ManagerStanding]) -> list[str]:
    return [m.manager_id for m in rows]


def test_a_sort_reads_its_column_and_direction_and_falls_back_to_names():
    assert Sort.parse("escalated") == Sort("escalated", descending=False)
    assert Sort.parse("-escalated") == Sort("escalated", descending=True)
    assert Sort.parse("drop table") == Sort("name", descending=False)
    assert Sort.parse(None) == Sort()


def test_rows_sort_either_way_with_unknown_figures_last():
    assert ids(Sort("escalated").apply(ROWS)) == ["a", "c", "b"]
    assert ids(Sort("escalated", descending=True).apply(ROWS)) == ["b", "c", "a"]
    assert ids(Sort("business_median").apply(ROWS)) == ["c", "b", "a"]
    assert ids(Sort("business_median", descending=True).apply(ROWS)) == ["b", "c", "a"]
    assert ids(Sort().apply(ROWS)) == ["a", "b", "c"]


def test_a_heading_link_flips_only_the_column_sorted_by():
    assert Sort("open").link("open") == "-open"
    assert Sort("open", descending=True).link("open") == "open"
    assert Sort("open").link("rating") == "rating"


def test_shades_scale_to_the_busiest_cell_and_to_slowness():
    assert [shade(n, 10) for n in (0, 1, 5, 10)] == [0, 1, 2, 5]
    assert shade(3, 0) == 0
    assert [slow(s) for s in (None, 0.0, 299.0, 300.0, 3600.0, 86400.0)] == [0, 1, 1, 2, 4, 5]


def test_figures_are_written_short_or_as_a_dash():
    assert (share(0.857), share(None)) == ("86%", "—")
    assert (score(4.25), score(None)) == ("4.2", "—")


def Ctx() -> SimpleNamespace:
    """Return the parts of the desk's context a link is read with."""
    return SimpleNamespace(timezone=SHANGHAI, clock=FakeClock(TUESDAY_10AM))


def test_a_weeks_link_reads_back_as_that_weeks_filter():
    ctx = Ctx()
    wanted, page = board_filter(
        {"figure": "refused", "week": "2026-W47", "manager": "m1", "brand": "zh", "page": "2"},
        ctx,  # type: ignore[arg-type]
        2,
    ) or (None, 0)

    assert page == 2
    assert wanted is not None
    assert wanted.figure is TicketFigure.REFUSED
    assert (wanted.manager_id, wanted.brand_key, wanted.low) == ("m1", "zh", 2)
    assert wanted.end - wanted.start == timedelta(days=7)
    assert wanted.start.astimezone(ctx.timezone).weekday() == 0


def test_the_last_days_end_now_and_bad_links_read_as_nothing():
    ctx = Ctx()
    found = board_filter({"figure": "low_rating", "days": "7"}, ctx, 2)  # type: ignore[arg-type]
    assert found is not None
    assert found[0].end > TUESDAY_10AM >= found[0].end - timedelta(seconds=1)
    assert found[0].end - found[0].start == timedelta(days=7)
    for bad in (
        {"figure": "nonsense", "week": "2026-W47"},
        {"figure": "received", "week": "soon"},
        {"figure": "received", "days": "365"},
        {"figure": "received", "days": "x"},
        {"figure": "received", "week": "2026-W47", "page": "0"},
    ):
        assert board_filter(bad, ctx, 2) is None, bad  # type: ignore[arg-type]


def test_a_heatmap_cells_link_reads_back_as_that_cells_filter():
    end = datetime(2026, 11, 17, 2, tzinfo=UTC)
    start = end - timedelta(weeks=4)
    query = {"since": stamp(start), "until": stamp(end), "weekday": "2", "hour": "10"}

    for figure in (TicketFigure.HOUR, TicketFigure.HOUR_ANSWERED):
        found = board_filter({"figure": figure.value, **query}, Ctx(), 2)  # type: ignore[arg-type]
        assert found is not None
        wanted, page = found
        assert (wanted.figure, wanted.start, wanted.end, page) == (figure, start, end, 1)
        assert wanted.hour == HourOfWeek(2, 10, SHANGHAI)
    assert stamp(end) == "2026-11-17T02:00:00Z"
    # A moment in another zone is the same moment written in UTC.
    assert stamp(end.astimezone(SHANGHAI)) == "2026-11-17T02:00:00Z"


def test_bad_bounds_or_hours_read_as_nothing():
    until = "2026-11-17T02:00Z"
    cell = {"figure": "hour", "since": "2026-10-20T02:00Z", "until": until}
    for bad in (
        {**cell, "hour": "10"},
        {**cell, "weekday": "2"},
        {**cell, "weekday": "7", "hour": "10"},
        {**cell, "weekday": "-1", "hour": "10"},
        {**cell, "weekday": "2", "hour": "24"},
        {**cell, "weekday": "2", "hour": "ten"},
        {"figure": "hour", "week": "2026-W47", "weekday": "2"},
        {"figure": "received", "since": "yesterday", "until": until},
        {"figure": "received", "since": "2026-11-10T02:00", "until": until},
        {"figure": "received", "since": until, "until": until},
        {"figure": "received", "since": "2026-11-18T02:00Z", "until": until},
        {"figure": "received", "since": "2025-11-17T02:00Z", "until": until},
        {"figure": "received", "since": "2026-11-10T02:00Z"},
        {"figure": "received", "since": "9999-12-31T00:00Z", "until": "9999-12-31T20:00Z"},
        {"figure": "requested", "until": until},
    ):
        assert board_filter(bad, Ctx(), 2) is None, bad  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["", "-", "--open"])
def test_odd_sorts_fall_back_to_names(text):
    assert Sort.parse(text) == Sort()


@pytest.mark.parametrize(
    ("value", "kind", "shown"),
    [
        (3, "count", '<span class="change up">+3</span>'),
        (-2, "count", '<span class="change down">−2</span>'),
        (-0.125, "share", '<span class="change down">−12%</span>'),
        (0.25, "score", '<span class="change up">+0.2</span>'),
        (-90.0, "seconds", '<span class="change down">−90 s</span>'),
        (0, "count", ""),
        (None, "share", ""),
    ],
)
def test_a_change_against_last_week_is_signed_and_written_in_its_kind(value, kind, shown):
    assert moved(value, kind, lambda seconds: f"{seconds:.0f} s") == shown


def test_a_number_links_to_its_list_with_its_text_escaped():
    links = BoardLinks(IsoWeek(2026, 48), "2026-11-02T16:00:00Z", "2026-11-30T16:00:00Z")

    assert links.behind("refused", "<3>", "m1", "中华 软") == (
        '<a class="behind" href="/console/tickets?figure=refused&amp;week=2026-W48&amp;manager=m1'
        '&amp;brand=%E4%B8%AD%E5%8D%8E+%E8%BD%AF">&lt;3&gt;</a>'
    )
    assert links.cell("hour", 4, 2, 23) == (
        '<a class="behind" href="/console/tickets?figure=hour&amp;since=2026-11-02T16%3A00%3A00Z'
        '&amp;until=2026-11-30T16%3A00%3A00Z&amp;weekday=2&amp;hour=23">4</a>'
    )
