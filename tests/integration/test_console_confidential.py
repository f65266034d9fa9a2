"""Confidential complaints reach the console of the supervisor they are addressed to only."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import pytest
from sqlalchemy import insert

from handlers.console.board import SORTS
from handlers.console.services import Charts
from reports import DrawChart, TicketFigure, WeeklySummary
from storage.tables import outbox
from tests.console import COMPLAINT_RETAILER, console_desk
from tests.databases import BACKENDS


@pytest.fixture(params=BACKENDS)
async def desk(request, tmp_path):
    async with console_desk(tmp_path, request.param) as made:
        yield made


def every_page(tickets: list[int]) -> list[str]:
    figures = ("open", "unanswered", "at_risk", "backup", "supervisor", "off_hours")
    # A heatmap cell's figures need their cell; the others let it be.
    board = [f"{f.value}&weekday=1&hour=10" for f in TicketFigure]
    heat = "since=2026-10-20T02:00:00Z&until=2026-11-17T02:00:00Z&weekday=1&hour=10"
    return [
        "/console",
        "/console/live",
        *(f"/console?sort={column}" for column in SORTS),
        *(f"/console/tickets?figure={f}" for f in figures),
        "/console/tickets?figure=open&manager=m1",
        *(f"/console/tickets?figure={f}&week=2026-W47" for f in board),
        *(f"/console/tickets?figure={f}&week=2026-W47&manager=m1" for f in board),
        "/console/tickets?figure=low_rating&days=7",
        *(f"/console/tickets?figure={f}&{heat}" for f in ("hour", "hour_answered")),
        *(f"/console/tickets/{t}" for t in tickets),
        *(f"/console/downloads/{name}?week={week}" for name in DOWNLOADS for week in WEEKS),
    ]


DOWNLOADS = ("chart.png", "summary.csv", "tickets.csv")
WEEKS = ("2026-W47", "2026-W46")


async def test_the_supervisor_sees_their_complaints_with_their_clocks(desk):
    complaint = await desk.complaint("r4", "m1", "s1")
    browser = await desk.signed_in("s1")

    page = (await browser.get("/console")).text
    live = (await browser.get("/console/live")).text

    for html in (page, live):
        assert 'id="complaints"' in html
        assert f'data-complaint="{complaint}"' in html
        assert COMPLAINT_RETAILER in html


async def test_a_manager_never_receives_complaint_data_on_any_page(desk):
    complaint = await desk.complaint("r4", "m1", "s1")
    charted: list[WeeklySummary] = []
    desk.console.charts = charts_into(charted)
    tickets = [
        await desk.ticket("r1", "m1", waited=timedelta(minutes=40), last_step=1),
        await desk.ticket("r1", "m1", waited=timedelta(minutes=5), answered=True),
    ]
    browser = await desk.signed_in("m1")

    for path in every_page(tickets):
        answer = await browser.get(path)
        assert answer.status_code == 200, path
        text = answer.content.decode("utf-8-sig", errors="replace")
        for leak in (COMPLAINT_RETAILER, 'id="complaints"', "data-complaint", f"#C{complaint}"):
            assert leak not in text, (path, leak)
        assert "投诉" not in text, path
        assert "complaint" not in text.lower(), path
        # Not even the section's heading in either language.
        assert "保密投诉" not in text, path
        assert "Confidential complaints" not in text, path
    # The chart the manager downloads is drawn from a summary without complaints.
    assert charted
    assert all(summary.team.complaints is None for summary in charted)


async def test_a_complaints_notifications_never_join_a_managers_ticket_timeline(desk):
    complaint = await desk.complaint("r4", "m1", "s1")
    ticket = await desk.ticket("r1", "m1", waited=timedelta(minutes=40))
    # The complaint's ladder told the supervisor; its outbox row names no ticket.
    async with desk.store.engine.begin() as conn:
        await conn.execute(
            insert(outbox).values(
                recipient_id="s1",
                channel="telegram",
                chat_id="7001",
                kind="complaint",
                lang="zh",
                ticket_id=None,
                body=f'{{"complaint": {complaint}}}',
                not_before=desk.clock.now(),
                created_at=desk.clock.now(),
            )
        )
    browser = await desk.signed_in("m1")

    page = (await browser.get(f"/console/tickets/{ticket}")).text

    assert 'data-kind="complaint"' not in page
    assert "陈主任" not in page


def charts_into(charted: list[WeeklySummary]) -> Charts:
    """Return charts that record each summary drawn and answer with a PNG's signature."""

    @asynccontextmanager
    async def charts() -> AsyncIterator[DrawChart]:
        async def draw(summary: WeeklySummary, lang: str) -> bytes:
            charted.append(summary)
            return b"\x89PNG\r\n\x1a\n"

        yield draw

    return charts


async def test_another_teams_supervisor_does_not_see_the_complaint(desk):
    await desk.complaint("r4", "m1", "s1")
    desk.console.charts = charts_into([])
    browser = await desk.signed_in("s2")

    for path in every_page([]):
        answer = await browser.get(path)
        assert COMPLAINT_RETAILER not in answer.text, path
        assert "data-complaint" not in answer.text, path
