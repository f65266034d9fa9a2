"""The console's queries: the at-risk boundary, whom a ticket's rung reaches, the timeline."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert

from desk.policy import EscalationStep, Notify, Policy
from reports.complaint_clocks import complaint_clocks, complaints_query
from reports.live import Figure, LiveTicket, live_strip, open_tickets
from reports.scope import scope_of
from reports.timeline import ticket_record
from storage.tables import events, messages, ratings
from tests.console import console_desk, make_team
from tests.databases import BACKENDS


@pytest.fixture
async def desk(tmp_path):
    async with console_desk(tmp_path) as made:
        yield made


async def test_a_ticket_is_at_risk_from_three_quarters_of_its_first_target(desk):
    # The ladder's first rung is at 15 minutes: at risk from 11m15s.
    early = await desk.ticket("r1", "m1", waited=timedelta(minutes=11, seconds=14))
    late = await desk.ticket("r1", "m1", waited=timedelta(minutes=11, seconds=15))
    scope = scope_of(make_team(), "s1")

    async with desk.store.reading() as conn:
        listed = {t.id: t for t in await open_tickets(conn, scope, desk.clock.now())}

    assert not listed[early].at_risk
    assert listed[late].at_risk


async def test_the_rung_reached_names_whom_it_reaches(desk):
    manager = await desk.ticket("r1", "m1", waited=timedelta(minutes=20), last_step=0)
    backup = await desk.ticket("r1", "m1", waited=timedelta(minutes=40), last_step=1)
    supervisor = await desk.ticket("r1", "m1", waited=timedelta(minutes=70), last_step=2)
    answered = await desk.ticket("r1", "m1", waited=timedelta(hours=2), answered=True, last_step=2)
    scope = scope_of(make_team(), "m1")

    async with desk.store.reading() as conn:
        listed = {t.id: t for t in await open_tickets(conn, scope, desk.clock.now())}

    assert listed[manager].rung_notify is None
    assert listed[backup].rung_notify is Notify.BACKUP
    assert listed[supervisor].rung_notify is Notify.SUPERVISOR
    # Answered and no longer waiting: escalated no more.
    assert listed[answered].rung_notify is None
    async with desk.store.reading() as conn:
        strip = await live_strip(conn, scope, desk.clock.now())
    assert (strip[Figure.BACKUP], strip[Figure.SUPERVISOR], strip[Figure.UNANSWERED]) == (1, 1, 3)


# A second ladder, as tickets opened before a change of the config keep theirs: on duty at
# 10 minutes, the supervisor from the third rung on, and no first target of 15 minutes.
OLDER_LADDER = Policy(
    steps=(
        EscalationStep(timedelta(minutes=4), Notify.MANAGER),
        EscalationStep(timedelta(minutes=10), Notify.ON_DUTY),
        EscalationStep(timedelta(minutes=20), Notify.SUPERVISOR),
    )
)


def counted_in(ticket: LiveTicket, figure: Figure) -> bool:
    """Say from what the page shows of a ticket whether it is behind a number of the strip."""
    unanswered = not ticket.answered
    return {
        Figure.OPEN: True,
        Figure.UNANSWERED: unanswered,
        Figure.AT_RISK: unanswered and ticket.at_risk,
        Figure.BACKUP: ticket.rung_notify in (Notify.BACKUP, Notify.ON_DUTY),
        Figure.SUPERVISOR: ticket.rung_notify is Notify.SUPERVISOR,
        Figure.OFF_HOURS: unanswered and ticket.off_hours,
    }[figure]


@pytest.mark.parametrize("backend", BACKENDS)
async def test_the_strip_counted_in_sql_agrees_with_each_ticket_and_lists_it(backend, tmp_path):
    async with console_desk(tmp_path, backend) as desk:
        for policy in (None, OLDER_LADDER):
            for minutes in (2, 3, 9, 12, 25, 45, 90):
                for last_step in (-1, 0, 1, 2, 5):
                    await desk.ticket(
                        "r1",
                        "m1",
                        waited=timedelta(minutes=minutes),
                        last_step=last_step,
                        off_hours=minutes % 2 == 1,
                        answered=minutes == 25,
                        policy=policy,
                    )
        # Another supervisor's manager: never counted on s1's page.
        await desk.ticket("r3", "m3", waited=timedelta(hours=3), last_step=2)
        scope = scope_of(make_team(), "s1")
        now = desk.clock.now()

        async with desk.store.reading() as conn:
            every = await open_tickets(conn, scope, now)
            strip = await live_strip(conn, scope, now)
            behind = {f: await open_tickets(conn, scope, now, figure=f) for f in Figure}
            longest = await open_tickets(conn, scope, now, figure=Figure.UNANSWERED, limit=3)

    expected = {f: [t.id for t in every if counted_in(t, f)] for f in Figure}
    assert {f: strip[f] for f in Figure} == {f: len(ids) for f, ids in expected.items()}
    assert {f: [t.id for t in listed] for f, listed in behind.items()} == expected
    # Every number is something, and the two ladders disagree somewhere.
    assert all(expected.values())
    assert [t.waited_from for t in every] == sorted(t.waited_from for t in every)
    assert [t.id for t in longest] == expected[Figure.UNANSWERED][:3]


async def test_the_timeline_holds_messages_events_notices_and_the_rating_in_order(desk):
    ticket = await desk.ticket("r1", "m1", waited=timedelta(minutes=30), answered=True)
    now = desk.clock.now()
    async with desk.store.engine.begin() as conn:
        await conn.execute(
            insert(messages).values(
                ticket_id=ticket,
                author_id="r1",
                from_retailer=True,
                kind="text",
                text="明天有货吗？",
                at=now - timedelta(minutes=30),
            )
        )
        await conn.execute(
            insert(events).values(
                ticket_id=ticket, kind="answered", at=now - timedelta(minutes=25), actor="m1"
            )
        )
        await conn.execute(
            insert(ratings).values(
                ticket_id=ticket, retailer_id="r1", manager_id="m1", score=2, rated_at=now
            )
        )
    await desk.told(ticket, "m1")

    async with desk.store.reading() as conn:
        record = await ticket_record(conn, scope_of(make_team(), "s1"), ticket)
        hidden = await ticket_record(conn, scope_of(make_team(), "s2"), ticket)

    assert record is not None
    assert [(m.source, m.kind, m.who) for m in record.moments] == [
        ("message", "text", "r1"),
        ("event", "answered", "m1"),
        ("notice", "escalation", "m1"),
        ("rating", "rating", "r1"),
    ]
    assert record.moments[0].text == "明天有货吗？"
    assert record.moments[-1].details["score"] == "2"
    assert hidden is None


async def test_a_supervisors_complaints_are_found_by_index(desk):
    await desk.complaint("r4", "m1", "s1")
    scope = scope_of(make_team(), "s1")

    async with desk.store.reading() as conn:
        found = await complaint_clocks(conn, scope, desk.clock.now())
        compiled = complaints_query(scope, desk.clock.now()).compile(
            dialect=conn.dialect, compile_kwargs={"render_postcompile": True}
        )
        values = tuple(str(compiled.params[name]) for name in compiled.positiontup or ())
        plan = await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled.string}", values)
        steps = " ".join(str(row[-1]) for row in plan)

    assert [c.retailer_name for c in found] == ["投诉人赵六"]
    assert "ix_complaints_supervisor_opened" in steps, steps
    assert "SCAN complaints" not in steps, steps
