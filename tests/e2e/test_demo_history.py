"""The demo console's history: four weeks played through the desk, all settled before the story."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.demo import demo_settings
from bot.demo_cases import DAYS, Planner
from bot.demo_history import play_history
from handlers.telegram.standin import Standin
from storage.engine import make_engine
from storage.outbox import UNSENT
from storage.tables import events, outbox, supply_requests, tickets

MANAGERS = {"r001": "m1", "r002": "m1", "r003": "m2", "r004": "m2", "r005": "m1"}


def story_of(zone: ZoneInfo) -> datetime:
    """Return 3 a.m. today in the desk's zone, when the demo's story starts."""
    return datetime.combine(datetime.now().date(), time(3, 0), zone)


async def test_the_plan_keeps_each_retailer_to_one_case_at_a_time(tmp_path: Path) -> None:
    async with Standin() as tg:
        settings = demo_settings(tg, tmp_path, compressed=False)
    story = story_of(settings.zone())
    cases = Planner(settings.team(), settings.zone(), MANAGERS).cases(story)
    assert len(cases) > 10 * 4
    assert all(story - timedelta(days=DAYS) <= c.asked_at < c.ends_at < story for c in cases)
    for retailer_id in MANAGERS:
        mine = [c for c in cases if c.retailer_id == retailer_id]
        assert all(a.ends_at < b.asked_at for a, b in pairwise(mine))
    # The same seed, the same weeks.
    again = Planner(settings.team(), settings.zone(), MANAGERS).cases(story)
    assert again == cases


@pytest.mark.xdist_group("long")
async def test_the_history_leaves_every_ticket_closed_and_nothing_to_send(
    tmp_path: Path,
) -> None:
    async with Standin() as tg:
        settings = demo_settings(tg, tmp_path, compressed=False)
    story = story_of(settings.zone())
    played = await play_history(settings, story)
    engine = make_engine(settings.storage.url, settings.config_dir)
    try:
        async with engine.connect() as conn:
            opened = await conn.scalar(select(func.count()).select_from(tickets))
            still_open = await conn.scalar(
                select(func.count()).select_from(tickets).where(tickets.c.status == "open")
            )
            unsent = await conn.scalar(
                select(func.count()).select_from(outbox).where(outbox.c.state.in_(UNSENT))
            )
            failed = await conn.scalar(
                select(func.count()).select_from(outbox).where(outbox.c.state != "sent")
            )
            # Marked sent as they were posted: none after the moment it was due.
            late = await conn.scalar(
                select(func.count())
                .select_from(outbox)
                .where(outbox.c.sent_at != outbox.c.not_before)
            )
            # Each rung's event says its notification reached the person, as the sender records.
            undelivered = await conn.scalar(
                select(func.count())
                .select_from(events)
                .where(events.c.kind == "escalated", events.c.delivered.is_not(True))
            )
            first = await conn.scalar(select(func.min(tickets.c.opened_at)))
            last = await conn.scalar(select(func.max(events.c.at)))
            kinds = set((await conn.scalars(select(events.c.kind).distinct())).all())
            unanswered = await conn.scalar(
                select(func.count())
                .select_from(supply_requests)
                .where(supply_requests.c.outcome.is_(None))
            )
    finally:
        await engine.dispose()
    assert opened == played
    assert still_open == 0
    assert unsent == failed == late == undelivered == 0
    assert unanswered == 0
    assert first >= story - timedelta(days=DAYS)
    assert last < story
    # The field cases the console is for: the ladder climbing, broken promises, low scores.
    assert {"escalated", "eta_broken", "on_it", "answered", "resolved"} <= kinds
