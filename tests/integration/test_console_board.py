"""The console's weekly board: managers this week, low ratings, supply, heatmap, rota, downloads."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import time, timedelta
from html import unescape

import pytest
from PIL import Image

from desk.hours import OnDutyRota, Shift
from handlers.console import board, pages
from handlers.console.services import STANDINGS_OLDEST
from reports import DrawChart, IsoWeek, Standings, WeeklySummary, question_heatmap
from reports.scope import scope_of
from tests.console import COMPLAINT_RETAILER, Desk, console_desk
from tests.databases import BACKENDS
from tests.integration.console_history import History


@pytest.fixture(params=BACKENDS)
async def desk(request, tmp_path):
    async with console_desk(tmp_path, request.param) as made:
        yield made


@dataclass
class FakeCharts:
    """Draw nothing: record each summary asked for and answer with a PNG's first bytes."""

    drawn: list[tuple[WeeklySummary, str]] = field(default_factory=list)

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[DrawChart]:
        async def draw(summary: WeeklySummary, lang: str) -> bytes:
            self.drawn.append((summary, lang))
            return b"\x89PNG\r\n\x1a\nfake"

        yield draw


async def seed(desk: Desk) -> dict[str, int]:
    """Write this week's tickets of both teams, ratings, supply requests and a ladder's steps."""
    now = desk.clock.now()
    async with desk.store.engine.begin() as conn:
        h = History(conn)
        h.shops = {"r1", "r2", "r3", "r4"}
        h.count = 100
        n = {
            "low": await h.ticket("m1", now - timedelta(hours=20), retailer="r1", first=600),
            "stock": await h.ticket("m1", now - timedelta(hours=3), retailer="r1", first=120),
            "refused": await h.ticket("m2", now - timedelta(hours=5), retailer="r2", first=2000),
            "theirs": await h.ticket("m3", now - timedelta(hours=4), retailer="r3", first=60),
            "last_week": await h.ticket("m1", now - timedelta(days=7), retailer="r1", first=60),
        }
        await h.rate(n["low"], "m1", 1, now - timedelta(hours=2), "太慢了")
        await h.rate(n["theirs"], "m3", 1, now - timedelta(hours=1), "别队的差评")
        await h.supply(n["stock"], "m1", "中华", now - timedelta(hours=3), "out_of_stock")
        await h.supply(n["refused"], "m2", "中华", now - timedelta(hours=5), "refused")
        await h.supply(n["theirs"], "m3", "中华", now - timedelta(hours=4), "out_of_stock")
        await h.escalate(n["refused"], now - timedelta(hours=5), 0)
        await h.event(n["refused"], "eta_broken", now - timedelta(hours=4), target="m2")
    desk.console.ctx.team.rota = OnDutyRota(
        [Shift("m2", frozenset(range(7)), time(20, 0), time(8, 0))]
    )
    return n


def rows_of(html: str, table: str) -> list[str]:
    """Return the data-manager of each row of a table, in order."""
    body = html.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<tr data-manager="([^"]+)"', body)


def section(html: str, name: str) -> str:
    """Return one section of the page."""
    return html.split(f'<section id="{name}"', 1)[1].split("</section>", 1)[0]


def heat_cells(html: str, kind: str) -> dict[tuple[int, int], str]:
    """Return what each cell of a heatmap table holds, by (weekday, hour)."""
    body = html.split(f'id="heatmap-{kind}"', 1)[1].split("</table>", 1)[0]
    found = re.findall(r'data-cell="(\d)-(\d+)">(.*?)</td>', body)
    return {(int(day), int(hour)): inner for day, hour, inner in found}


def numbers(html: str) -> list[str]:
    """Return what each number cell of a table's rows holds."""
    return re.findall(r'<td class="num"[^>]*>(.*?)</td>', html)


async def listed(browser, href: str) -> set[int]:
    """Return the tickets a link's list holds."""
    answer = await browser.get(unescape(href))
    assert answer.status_code == 200, href
    return {int(t) for t in re.findall(r'<tr data-ticket="(\d+)"', answer.text)}


def link_of(cell: str) -> tuple[str, str]:
    """Return a cell's one link behind it and its text."""
    ((href, text),) = re.findall(r'<a class="behind" href="([^"]+)">([^<]*)</a>', cell)
    return href, text


async def test_the_supervisor_sees_every_section_of_their_team(desk):
    n = await seed(desk)
    browser = await desk.signed_in("s1")

    page = (await browser.get("/console")).text

    assert rows_of(page, "managers-table") == ["m1", "m2"]
    low = section(page, "low-ratings")
    assert f'href="/console/tickets/{n["low"]}"' in low
    assert "太慢了" in low
    assert "别队的差评" not in page
    supply = section(page, "supply")
    assert "中华" in supply
    assert rows_of(page, "supply-table") == ["m1", "m2"]
    heat = section(page, "heatmap")
    assert heat.count("data-cell=") == 2 * 7 * 24  # questions and medians
    assert 'style="' not in heat
    assert re.search(r'class="heat-[1-5]"', heat)
    assert 'data-staff="m2"' in section(page, "rota")
    downloads = section(page, "downloads")
    for file in ("chart.png", "summary.csv", "tickets.csv"):
        assert f"/console/downloads/{file}?week=2026-W47" in downloads
        assert f"/console/downloads/{file}?week=2026-W46" in downloads


async def test_a_manager_sees_only_their_own_row_and_figures(desk):
    n = await seed(desk)
    browser = await desk.signed_in("m1")

    page = (await browser.get("/console")).text

    assert rows_of(page, "managers-table") == ["m1"]
    assert rows_of(page, "supply-table") == ["m1"]
    assert f'data-ticket="{n["low"]}"' in section(page, "low-ratings")
    assert "王经理" not in section(page, "more").split('id="rota"')[0]


async def test_a_manager_without_ratings_or_supply_is_told_so(desk):
    await seed(desk)
    browser = await desk.signed_in("m2")

    page = (await browser.get("/console")).text

    assert rows_of(page, "managers-table") == ["m2"]
    assert 'class="empty"' in section(page, "low-ratings")


async def test_the_sections_speak_the_viewers_language(desk):
    await seed(desk)
    english = (await (await desk.signed_in("s1")).get("/console")).text
    chinese = (await (await desk.signed_in("m1")).get("/console")).text

    assert "Managers this week" in english
    assert "When questions come" in english
    assert "本周客户经理" in chinese
    assert "提问时段" in chinese


async def test_the_headings_sort_the_managers_without_script(desk):
    await seed(desk)
    browser = await desk.signed_in("s1")

    rising = (await browser.get("/console?sort=escalated")).text
    falling = (await browser.get("/console?sort=-escalated")).text
    unknown = (await browser.get("/console?sort=nonsense")).text

    assert rows_of(rising, "managers-table") == ["m1", "m2"]
    assert rows_of(falling, "managers-table") == ["m2", "m1"]
    assert rows_of(unknown, "managers-table") == ["m1", "m2"]
    # The sorted heading flips its order; every other heading sorts by itself.
    assert 'data-sort="escalated" href="/console?sort=-escalated' in rising
    assert 'data-sort="escalated" href="/console?sort=escalated' in falling
    assert 'data-sort="open" href="/console?sort=open' in rising


async def test_every_number_leads_to_a_list_of_that_many_tickets(desk):
    n = await seed(desk)
    now = desk.clock.now()
    async with desk.store.engine.begin() as conn:
        # Requests still waiting for an answer, or fulfilled, count among the requests too.
        h = History(conn)
        await h.supply(n["low"], "m1", "中华", now - timedelta(hours=3))
        await h.supply(n["refused"], "m2", "Marlboro", now - timedelta(hours=5), "fulfilled")
    for viewer in ("s1", "m1"):
        browser = await desk.signed_in(viewer)
        page = (await browser.get("/console")).text
        links = re.findall(r'<a class="behind" href="([^"]+)">([^<]*)</a>', page)
        counts = [(unescape(href), text) for href, text in links if text.isdigit()]
        assert len(counts) >= 8

        for href, text in counts:
            listed = await browser.get(href)
            assert listed.status_code == 200, href
            assert listed.text.count("<tr data-ticket=") == int(text), (viewer, href)
        # The heatmap's cells and the supply table's numbers are among them, every one.
        questions = {c: v for c, v in heat_cells(page, "questions").items() if v}
        medians = {c: v for c, v in heat_cells(page, "median").items() if v}
        assert questions and medians.keys() <= questions.keys()
        supply = numbers(section(page, "supply"))
        assert len(supply) >= 8
        for cell in [*questions.values(), *medians.values(), *supply]:
            assert link_of(cell), (viewer, cell)
        assert 'class="behind"' in section(page, "supply").split("<table", 1)[0]


async def test_each_heatmap_cell_leads_to_the_tickets_it_counts(desk):
    desk.clock.advance(seconds=30 * 60)
    now = desk.clock.now()
    # The map ends at the top of this hour; its last whole hour is the one before.
    end = now.replace(minute=0, second=0, microsecond=0)
    hour = end - timedelta(hours=1)
    async with desk.store.engine.begin() as conn:
        h = History(conn)
        h.shops, h.count = {"r1", "r2", "r3", "r4"}, 100
        # That hour: two of m1's answered, m2's still waiting, and m3's (another team's).
        m1 = {
            await h.ticket("m1", hour + timedelta(minutes=5), retailer="r1", first=60),
            await h.ticket("m1", hour + timedelta(minutes=50), retailer="r1", first=900),
        }
        m2 = await h.ticket("m2", end - timedelta(seconds=1), retailer="r2")
        await h.ticket("m3", hour + timedelta(minutes=30), retailer="r3", first=60)
        # The first moment of the four weeks counts; the moment before, and this hour, do not.
        await h.ticket("m1", end - timedelta(weeks=4), retailer="r1", first=60)
        await h.ticket("m1", end - timedelta(weeks=4, seconds=1), retailer="r1", first=60)
        await h.ticket("m1", end + timedelta(minutes=1), retailer="r1", first=60)
    local = hour.astimezone(desk.console.ctx.timezone)
    cell = (local.weekday(), local.hour)

    for viewer, mine in (("s1", {*m1, m2}), ("m1", m1)):
        browser = await desk.signed_in(viewer)
        page = (await browser.get("/console")).text
        scope = scope_of(desk.console.ctx.team, viewer)
        assert scope is not None
        async with desk.store.reading() as conn:
            heatmap = await question_heatmap(conn, scope, now, desk.console.ctx.timezone)

        questions, medians = heat_cells(page, "questions"), heat_cells(page, "median")
        asked, count = link_of(questions[cell])
        assert await listed(browser, asked) == mine
        assert int(count) == len(mine)
        assert await listed(browser, link_of(medians[cell])[0]) == m1
        # Every cell: its list holds what it counts, the median's list what it was taken over.
        for at in questions.keys() | medians.keys():
            counted = heatmap.cell(*at)
            if questions[at]:
                assert len(await listed(browser, link_of(questions[at])[0])) == counted.questions
            if medians[at]:
                assert len(await listed(browser, link_of(medians[at])[0])) == counted.answered
        assert sum(c.questions for c in heatmap.cells) == len(mine) + 1


async def test_the_lists_behind_the_numbers_hold_those_tickets(desk):
    n = await seed(desk)
    browser = await desk.signed_in("s1")
    week = "week=2026-W47"

    def listed(html: str) -> set[int]:
        return {int(t) for t in re.findall(r'<tr data-ticket="(\d+)"', html)}

    async def behind(query: str) -> set[int]:
        return listed((await browser.get(f"/console/tickets?{query}")).text)

    brand = "brand=" + re.findall(r'data-brand="([^"]+)"', (await browser.get("/console")).text)[0]
    assert await behind(f"figure=low_rating&{week}&manager=m1") == {n["low"]}
    assert await behind("figure=low_rating&days=7") == {n["low"]}
    assert await behind(f"figure=out_of_stock&{week}&{brand}") == {n["stock"]}
    assert await behind(f"figure=refused&{week}&manager=m2&{brand}") == {n["refused"]}
    assert await behind(f"figure=escalated&{week}&manager=m2") == {n["refused"]}
    assert await behind(f"figure=eta_broken&{week}") == {n["refused"]}
    assert await behind(f"figure=received&{week}&manager=m1") == {n["low"], n["stock"]}
    # Another team's manager named in the link gives nothing away.
    assert await behind(f"figure=received&{week}&manager=m3") == set()
    assert await behind(f"figure=requested&{week}&{brand}") == {n["stock"], n["refused"]}
    assert await behind(f"figure=requested&{week}&manager=m2&{brand}") == {n["refused"]}
    # A supply list says how many requests each ticket holds; other lists have no such column.
    requested = (await browser.get(f"/console/tickets?figure=requested&{week}&{brand}")).text
    assert re.findall(r'<td class="requests">(\d+)</td>', requested) == ["1", "1"]
    received = (await browser.get(f"/console/tickets?figure=received&{week}")).text
    assert 'class="requests"' not in received
    bad = await browser.get("/console/tickets?figure=nonsense&week=2026-W47")
    assert bad.status_code == 404
    for query in (
        "figure=hour&since=2026-10-20T02:00:00Z&until=2026-11-17T02:00:00Z&weekday=9&hour=1",
        "figure=hour_answered&since=2026-10-20T02:00:00Z&until=2026-11-17T02:00:00Z",
        "figure=hour&since=soon&until=later&weekday=1&hour=1",
        "figure=received&since=2025-10-20T02:00:00Z&until=2026-11-17T02:00:00Z",
    ):
        bad = await browser.get(f"/console/tickets?{query}")
        assert bad.status_code == 404, query
        assert 'data-key="notfound"' in bad.text, query


async def test_a_long_list_comes_a_page_at_a_time(desk):
    now = desk.clock.now()
    async with desk.store.engine.begin() as conn:
        h = History(conn)
        h.shops, h.count = {"r1"}, 100
        for minutes in range(105):
            await h.ticket("m1", now - timedelta(minutes=minutes + 1), retailer="r1")
    browser = await desk.signed_in("s1")

    first = (await browser.get("/console/tickets?figure=received&week=2026-W47")).text
    nexts = re.findall(r'rel="next" href="\?([^"]+)"', first)
    second = (await browser.get(f"/console/tickets?{unescape(nexts[0])}")).text

    assert first.count("<tr data-ticket=") == 100
    assert second.count("<tr data-ticket=") == 5
    assert 'rel="next"' not in second


async def test_the_chart_is_the_chats_chart_of_the_viewers_scope(desk):
    await seed(desk)
    charts = FakeCharts()
    desk.console.charts = charts
    supervisor = await desk.signed_in("s1")
    manager = await desk.signed_in("m1")

    team = await supervisor.get("/console/downloads/chart.png?week=2026-W47")
    own = await manager.get("/console/downloads/chart.png")

    for answer in (team, own):
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "image/png"
        assert answer.content.startswith(b"\x89PNG")
        assert "attachment" in answer.headers["content-disposition"]
    (s1_chart, s1_lang), (m1_chart, m1_lang) = charts.drawn
    assert [m.manager_id for m in s1_chart.managers] == ["m1", "m2"]
    assert (s1_lang, m1_lang) == ("en", "zh")
    assert [m.manager_id for m in m1_chart.managers] == ["m1"]
    assert m1_chart.team.complaints is None
    assert m1_chart.as_of == desk.clock.now()


async def test_the_summary_csv_holds_the_viewers_managers(desk):
    await seed(desk)
    supervisor = await desk.signed_in("s1")
    manager = await desk.signed_in("m1")

    team = await supervisor.get("/console/downloads/summary.csv?week=2026-W47")
    own = await manager.get("/console/downloads/summary.csv?week=2026-W47")

    for answer in (team, own):
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    team_rows = list(csv.reader(io.StringIO(team.content.decode("utf-8-sig"))))
    own_rows = list(csv.reader(io.StringIO(own.content.decode("utf-8-sig"))))
    assert team_rows[0][:3] == ["week", "manager", "name"]
    assert [row[1] for row in team_rows[1:]] == ["m1", "m2"]
    assert [row[1] for row in own_rows[1:]] == ["m1"]
    # No download carries complaints, not even the supervisor's: no column, in either language.
    assert not any("投诉" in cell for cell in own_rows[0])
    assert not any("complaint" in cell for cell in team_rows[0])


async def test_a_managers_ticket_csv_holds_only_their_tickets(desk):
    n = await seed(desk)
    await desk.complaint("r4", "m1", "s1")
    supervisor = await desk.signed_in("s1")
    manager = await desk.signed_in("m1")

    team = await supervisor.get("/console/downloads/tickets.csv?week=2026-W47")
    own = await manager.get("/console/downloads/tickets.csv?week=2026-W47")

    def tickets(answer) -> tuple[list[str], set[int]]:
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "text/csv; charset=utf-8"
        rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
        return rows[0], {int(row[0]) for row in rows[1:]}

    header, team_tickets = tickets(team)
    own_header, own_tickets = tickets(own)
    assert header[:3] == ["ticket", "retailer", "retailer_name"]
    assert own_header[0] == "ticket"
    assert team_tickets == {n["low"], n["stock"], n["refused"]}
    assert own_tickets == {n["low"], n["stock"]}
    assert COMPLAINT_RETAILER not in own.content.decode("utf-8-sig")


async def test_a_download_needs_a_session_and_a_real_week(desk):
    browser = desk.browser()
    signed = await desk.signed_in("s1")

    assert (await browser.get("/console/downloads/summary.csv")).status_code == 401
    assert (await signed.get("/console/downloads/tickets.csv?week=soon")).status_code == 404


async def test_the_app_keeps_last_weeks_figures_and_refreshes_this_weeks_off_the_page(desk):
    n = await seed(desk)
    browser = await desk.signed_in("s1")
    await browser.get("/console")
    before = desk.console.kept.finished._kept.copy()
    assert len(before) == 1
    # A new escalation: the page shows the kept standings, and once they are a refresh period
    # old a load has them computed again for the next one.
    async with desk.store.engine.begin() as conn:
        await History(conn).escalate(n["low"], desk.clock.now() - timedelta(hours=20), 0)

    soon = (await browser.get("/console?sort=-escalated")).text
    desk.clock.advance(seconds=15)
    aged = (await browser.get("/console?sort=-escalated")).text
    await desk.console.kept.standings.settled()
    later = (await browser.get("/console?sort=-escalated")).text

    def escalated(html: str, manager: str) -> str:
        row = html.split(f'<tr data-manager="{manager}">', 1)[1].split("</tr>", 1)[0]
        cell = row.split('data-column="escalated">', 1)[1]
        return re.findall(r">(\d+)</a>", cell)[0]

    assert (escalated(soon, "m1"), escalated(aged, "m1"), escalated(later, "m1")) == ("0", "0", "1")
    # Each page says as of when its figures stand.
    start = desk.clock.now() - timedelta(seconds=15)
    assert f"As of {desk.console.ctx.local(start):%m-%d %H:%M:%S}" in aged
    assert f"As of {desk.console.ctx.local(desk.clock.now()):%m-%d %H:%M:%S}" in later
    assert desk.console.kept.finished._kept == before


async def test_figures_older_than_a_page_may_show_are_computed_before_it(desk):
    n = await seed(desk)
    browser = await desk.signed_in("s1")
    await browser.get("/console")
    async with desk.store.engine.begin() as conn:
        await History(conn).escalate(n["low"], desk.clock.now() - timedelta(hours=20), 0)

    desk.clock.advance(seconds=STANDINGS_OLDEST)
    page = (await browser.get("/console?sort=-escalated")).text

    row = page.split('<tr data-manager="m1">', 1)[1].split("</tr>", 1)[0]
    cell = row.split('data-column="escalated">', 1)[1]
    assert re.findall(r">(\d+)</a>", cell)[0] == "1"


async def test_a_failed_refresh_leaves_the_kept_figures_on_the_page(desk, caplog):
    await seed(desk)
    browser = await desk.signed_in("s1")
    first = await browser.get("/console")
    desk.clock.advance(seconds=15)

    async def broken() -> Standings:
        raise OSError("disk gone")

    key = next(iter(desk.console.kept.standings._kept))
    desk.console.kept.standings.refresh(key, desk.clock.now(), broken)
    await desk.console.kept.standings.settled()
    again = await browser.get("/console")

    assert first.status_code == again.status_code == 200
    assert "this week's figures of 2 managers failed" in caplog.text
    assert "disk gone" in caplog.text


async def test_the_chart_is_drawn_in_a_process_of_its_own_as_the_chat_draws_it(tmp_path):
    async with console_desk(tmp_path) as desk:
        await seed(desk)
        browser = await desk.signed_in("m1")

        answer = await browser.get("/console/downloads/chart.png")

    assert answer.status_code == 200
    with Image.open(io.BytesIO(answer.content)) as image:
        assert image.format == "PNG"
        assert image.width == 1000


async def test_the_page_shows_the_longest_waits_and_links_to_them_all(desk, monkeypatch):
    monkeypatch.setattr(pages, "WAITING_SHOWN", 2)
    for minutes in (10, 30, 20):
        await desk.ticket("r1", "m1", waited=timedelta(minutes=minutes))
    browser = await desk.signed_in("s1")

    page = (await browser.get("/console")).text
    live = (await browser.get("/console/live")).text

    for html in (page, live):
        waiting = section(html, "waiting")
        assert waiting.count("<tr data-ticket=") == 2
        assert 'href="/console/tickets?figure=unanswered"' in waiting
        assert "The 2 longest waits of 3" in waiting
    listed = (await browser.get("/console/tickets?figure=unanswered")).text
    assert listed.count("<tr data-ticket=") == 3


async def test_the_page_lists_the_latest_low_ratings_and_counts_them_all(desk, monkeypatch):
    monkeypatch.setattr(board, "LOW_RATINGS_SHOWN", 2)
    now = desk.clock.now()
    async with desk.store.engine.begin() as conn:
        h = History(conn)
        h.shops = {"r1"}
        for hours in (5, 1, 3):
            ticket = await h.ticket("m1", now - timedelta(hours=hours + 1), retailer="r1")
            await h.rate(ticket, "m1", 1, now - timedelta(hours=hours))
    browser = await desk.signed_in("s1")

    low = section((await browser.get("/console")).text, "low-ratings")

    rated = [unescape(r) for r in re.findall(r"<td>(\d\d-\d\d \d\d:\d\d)</td>", low)]
    assert rated == [
        f"{desk.console.ctx.local(now - timedelta(hours=h)):%m-%d %H:%M}" for h in (1, 3)
    ]
    assert "3 in all; the latest 2 below" in low
    listed = (await browser.get("/console/tickets?figure=low_rating&days=7")).text
    assert listed.count("<tr data-ticket=") == 3


async def test_the_list_behind_a_live_number_goes_page_by_page_to_its_last_ticket(
    desk, monkeypatch
):
    monkeypatch.setattr(pages, "PER_PAGE", 2)
    waits = {await desk.ticket("r1", "m1", waited=timedelta(minutes=m)): m for m in (10, 30, 20)}
    browser = await desk.signed_in("s1")

    first = (await browser.get("/console/tickets?figure=unanswered")).text
    second = (await browser.get("/console/tickets?figure=unanswered&page=2")).text

    def shown(html: str) -> list[int]:
        return [waits[int(t)] for t in re.findall(r'<tr data-ticket="(\d+)">', html)]

    assert (shown(first), shown(second)) == ([30, 20], [10])
    assert 'rel="next" href="?figure=unanswered&amp;page=2"' in first
    assert 'rel="prev" href="?figure=unanswered&amp;page=1"' in second
    assert 'rel="next"' not in second
    for bad in ("0", "x", "-1"):
        answer = await browser.get(f"/console/tickets?figure=unanswered&page={bad}")
        assert answer.status_code == 404


async def test_once_the_week_turns_the_page_shows_the_new_week_at_once(desk):
    tz = desk.console.ctx.timezone
    week = IsoWeek.containing(desk.clock.now(), tz)
    desk.clock.advance(seconds=(week.bounds(tz)[1] - desk.clock.now()).total_seconds() - 30)
    browser = await desk.signed_in("s1")
    before = (await browser.get("/console")).text

    # A minute later, well within the five minutes kept figures may be shown.
    desk.clock.advance(seconds=60)
    after = (await browser.get("/console")).text

    assert f'data-week="{week}"' in before
    assert f'data-week="{week.following()}"' in after
