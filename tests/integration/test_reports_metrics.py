"""The weekly figures, checked exactly on a hand-built week, over SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from desk.people import Address, Manager, Supervisor, Team
from desk.policy import EscalationStep, Notify, Policy
from reports import IsoWeek, Latency, Standards, team_summaries, weekly_summary
from storage.tables import events, metadata, tickets

SHANGHAI = ZoneInfo("Asia/Shanghai")
W47 = IsoWeek(2026, 47)
POLICY = json.dumps(
    {
        "steps": [
            {"after": 900, "notify": "manager"},
            {"after": 1800, "notify": "backup"},
            {"after": 3600, "notify": "supervisor"},
        ],
        "repeat_last_every": None,
    }
)
TEAM = Team(
    managers=[
        Manager("m1", "李经理", (Address("telegram", "5001"),), backup="m2", supervisor="s1"),
        Manager("m2", "王经理", (Address("telegram", "5002"),), backup="m1", supervisor="s1"),
        Manager("m3", "赵经理", (Address("telegram", "5003"),), supervisor="s2"),
    ],
    supervisors=[
        Supervisor("s1", "陈主任", (Address("telegram", "7001"),)),
        Supervisor("s2", "周主任", (Address("telegram", "7002"),)),
    ],
)


@pytest.fixture
def private_dir() -> Iterator[Path]:
    """Return a directory of our own: other pytest sessions prune old tmp_path folders."""
    with tempfile.TemporaryDirectory(prefix="reports-") as path:
        yield Path(path)


@pytest.fixture(params=["sqlite", "postgresql"])
async def conn(request: pytest.FixtureRequest, private_dir: Path) -> AsyncIterator[AsyncConnection]:
    """Yield a connection to an empty schema on each database."""
    if request.param == "sqlite":
        engine = create_async_engine("sqlite+aiosqlite:///" + str(private_dir / "reports.db"))
    else:
        url = os.environ.get("RETAILDESK_TEST_PG_URL")
        if not url:
            pytest.skip("RETAILDESK_TEST_PG_URL is not set")
        schema = "reports_" + uuid.uuid4().hex[:12]
        engine = create_async_engine(
            make_url(url).set(drivername="postgresql+asyncpg"),
            connect_args={"server_settings": {"search_path": schema}},
        )
        async with engine.begin() as setup:
            await setup.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        async with engine.begin() as setup:
            await setup.run_sync(metadata.create_all)
        async with engine.connect() as connection:
            yield connection
    finally:
        if request.param == "postgresql":
            async with engine.begin() as teardown:
                await teardown.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        await engine.dispose()


def local(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """Return a Shanghai wall-clock moment as UTC."""
    return datetime.combine(day, time(hour, minute, second), tzinfo=SHANGHAI).astimezone(UTC)


MON = W47.monday
WED = MON + timedelta(days=2)
SUN = MON + timedelta(days=6)
NEXT_MON = MON + timedelta(days=7)


class History:
    """Write tickets and events the way the desk would have."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self.count = 0

    async def ticket(
        self,
        manager: str,
        opened: datetime,
        *,
        off_hours: bool = False,
        first: float | None = None,
        by: str | None = None,
        policy: str = POLICY,
    ) -> int:
        """Open a ticket; with first, answer it that many seconds later."""
        self.count += 1
        answered_at = opened + timedelta(seconds=first) if first is not None else None
        await self.conn.execute(
            insert(tickets).values(
                id=self.count,
                retailer_id=f"r{self.count}",
                manager_id=manager,
                home_manager_id=manager,
                status="open",
                opened_at=opened,
                policy=policy,
                off_hours=off_hours,
                round=1 if first is not None else 0,
                last_step=-1,
                first_response_at=answered_at,
            )
        )
        await self.event(self.count, "opened", opened, actor=f"r{self.count}", target=manager)
        await self.event(self.count, "asked", opened, actor=f"r{self.count}", round=0)
        if answered_at is not None:
            await self.answer(self.count, answered_at, first, by or manager, manager, round=0)
        return self.count

    async def answer(
        self, ticket: int, at: datetime, seconds: float | None, actor: str, manager: str, round: int
    ) -> None:
        """Record a staff answer that stopped the clock."""
        detail = {"by_other": actor != manager}
        await self.event(
            ticket, "answered", at, actor=actor, target=manager, seconds=seconds, round=round,
            detail=json.dumps(detail),
        )  # fmt: skip

    async def escalate(self, ticket: int, opened: datetime, *steps: int) -> None:
        """Fire ladder steps at their due times."""
        afters = (900, 1800, 3600)
        for step in steps:
            at = opened + timedelta(seconds=afters[step])
            await self.event(ticket, "escalated", at, target="x", step=step)

    async def event(self, ticket: int, kind: str, at: datetime, **columns: Any) -> None:
        """Append one event."""
        await self.conn.execute(
            insert(events).values(ticket_id=ticket, kind=kind, at=at, **columns)
        )


async def golden_week(conn: AsyncConnection) -> None:
    """Build the week the golden test reads; every number below is worked out by hand."""
    h = History(conn)
    # m1, business hours: first responses 60, 120, 300, 600, 1200 seconds.
    t1 = await h.ticket("m1", local(MON, 10), first=60)
    t2 = await h.ticket("m1", local(MON, 11), first=120)
    await h.ticket("m1", local(WED, 9, 30), first=300)
    await h.ticket("m1", local(WED, 14), first=600)
    t5 = await h.ticket("m1", local(WED, 15), first=1200)
    await h.escalate(t5, local(WED, 15), 0)
    # m1, off hours: the very first moment of the week, and a late evening answered by m2.
    t6 = await h.ticket("m1", local(MON, 0), off_hours=True, first=3000)
    await h.escalate(t6, local(MON, 0), 0, 1)
    await h.event(t6, "on_it", local(MON, 0, 20), actor="m1", seconds=1200.0, round=0)
    await h.event(t6, "eta_broken", local(MON, 0, 35), target="m1")
    await h.event(t6, "unreachable", local(MON, 0, 30), target="m2", step=1, delivered=False)
    t7 = await h.ticket("m1", local(WED, 20), off_hours=True, first=7200, by="m2")
    await h.escalate(t7, local(WED, 20), 0, 1, 2)
    # m1, unanswered in business hours: its target passed long before the week ended.
    t8 = await h.ticket("m1", local(WED, 16))
    await h.escalate(t8, local(WED, 16), 0, 1, 2)
    await h.event(t8, "on_it", local(WED, 16, 5), actor="m1", seconds=300.0, round=0)
    # m1, Sunday night: answered only after the week; its 23:15 target passed within it.
    t9 = await h.ticket("m1", local(SUN, 23), off_hours=True)
    await h.answer(t9, local(NEXT_MON, 1), 7200.0, "m1", "m1", round=0)
    await h.escalate(t9, local(SUN, 23), 0, 1, 2)  # step 2 fires at Monday 00:00: next week
    # m1, five minutes before the end: answered on the stroke of midnight, which is next week's;
    # its target (00:10) had not passed, so it is undecided.
    t10 = await h.ticket("m1", local(SUN, 23, 55), off_hours=True)
    await h.answer(t10, local(NEXT_MON, 0), 300.0, "m1", "m1", round=0)
    await h.event(t10, "on_it", local(NEXT_MON, 0, 1), actor="m1", seconds=360.0, round=0)
    # m1 next replies: 30, 90, 240 in the week (one by the supervisor); 999 after it.
    await h.answer(t1, local(MON, 12), 30.0, "m1", "m1", round=1)
    await h.answer(t2, local(MON, 13), 90.0, "s1", "m1", round=1)
    await h.answer(t2, local(MON, 14), 240.0, "m1", "m1", round=2)
    await h.answer(t1, local(NEXT_MON, 9), 999.0, "m1", "m1", round=2)

    # m2: 100 and 200 in business hours, 400 off hours.
    await h.ticket("m2", local(MON, 9, 30), first=100)
    await h.ticket("m2", local(SUN - timedelta(days=2), 10), first=200)
    await h.ticket("m2", local(SUN, 8), off_hours=True, first=400)

    # m3 belongs to another supervisor.
    await h.ticket("m3", local(MON, 10), first=5)

    # The week before: m1 a second before midnight (answered after it), m2 answered in 250s.
    before = MON - timedelta(days=7)
    await h.ticket("m1", local(MON - timedelta(days=1), 23, 59, 59), first=500)
    await h.ticket("m2", local(before + timedelta(days=2), 10), first=250)


async def test_golden_week_for_a_supervisor(conn: AsyncConnection) -> None:
    await golden_week(conn)
    summary = await weekly_summary(conn, TEAM, W47, SHANGHAI, supervisor_id="s1")

    assert summary.week == W47
    assert summary.timezone == "Asia/Shanghai"
    assert summary.target_seconds == 900
    assert [m.manager_id for m in summary.managers] == ["m1", "m2"]
    m1, m2 = summary.managers
    assert m1.name == "李经理"
    assert (m1.received, m1.answered, m1.unanswered) == (10, 7, 3)
    # 60 120 300 600 1200 3000 7200: p90 sits 4/10 of the way from 3000 to 7200.
    assert m1.first_response == Latency(count=7, median=600, p90=4680, max=7200)
    assert (m1.met_target, m1.target_due) == (4, 9)
    assert m1.within_target == pytest.approx(4 / 9)
    assert m1.next_reply == Latency(count=3, median=90, p90=210, max=240)
    assert m1.business_received == 6
    assert m1.business == Latency(count=5, median=300, p90=960, max=1200)
    assert m1.off_hours_received == 4
    assert m1.off_hours == Latency(count=2, median=5100, p90=6780, max=7200)
    assert m1.escalations == (5, 4, 2)
    assert m1.answered_by_others == 2
    assert (m1.on_it, m1.eta_broken, m1.unreachable) == (2, 1, 1)
    # No rating given and no complaint filed; a supervisor sees the count, even when it is 0.
    assert (m1.rating_average, m1.complaints) == (None, 0)

    assert (m2.received, m2.answered, m2.unanswered) == (3, 3, 0)
    assert m2.first_response == Latency(count=3, median=200, p90=360, max=400)
    assert m2.next_reply == Latency()
    assert m2.escalations == (0, 0, 0)
    assert (m2.met_target, m2.target_due) == (3, 3)

    team = summary.team
    assert team.managers == 2
    assert (team.received, team.answered, team.unanswered) == (13, 10, 3)
    assert team.first_response == Latency(count=10, median=350, p90=3420, max=7200)
    assert (team.met_target, team.target_due) == (7, 12)
    assert (team.business_received, team.off_hours_received) == (8, 5)
    assert team.business == Latency(count=7, median=200, p90=840, max=1200)
    assert team.off_hours == Latency(count=3, median=3000, p90=6360, max=7200)
    assert team.next_reply == m1.next_reply
    assert team.escalations == (5, 4, 2)
    assert team.answered_by_others == 2

    previous = summary.previous
    assert previous is not None
    assert (previous.received, previous.answered) == (2, 1)
    assert previous.first_response == Latency(count=1, median=250, p90=250, max=250)
    assert (previous.met_target, previous.target_due) == (1, 1)


async def test_interpolation_matches_statistics_quantiles(conn: AsyncConnection) -> None:
    # Managers unknown to the config, with 1 to 30 answers each, spread unevenly.
    h = History(conn)
    samples: dict[str, list[float]] = {}
    for size in range(1, 31):
        manager = f"x{size:02d}"
        samples[manager] = [float((size * 7919 + k * 104729) % 5000 + k) for k in range(size)]
        for answer in samples[manager]:
            await h.ticket(manager, local(WED, 12), first=answer)

    summary = await weekly_summary(conn, TEAM, W47, SHANGHAI)

    found = {m.manager_id: m.first_response for m in summary.managers if m.received}
    assert found.keys() == samples.keys()
    for manager, seconds in samples.items():
        if len(seconds) == 1:
            expected = (seconds[0], seconds[0])
        else:
            deciles = statistics.quantiles(seconds, n=10, method="inclusive")
            expected = (statistics.median(seconds), deciles[8])
        latency = found[manager]
        assert (latency.median, latency.p90) == pytest.approx(expected), manager
        assert latency.max == max(seconds)
    every = [answer for answers in samples.values() for answer in answers]
    team_deciles = statistics.quantiles(every, n=10, method="inclusive")
    assert summary.team.first_response.p90 == pytest.approx(team_deciles[8])
    assert summary.team.first_response.median == pytest.approx(statistics.median(every))


async def test_each_question_keeps_the_target_of_its_own_policy(conn: AsyncConnection) -> None:
    hour_policy = json.dumps({"steps": [{"after": 3600, "notify": "manager"}]})
    h = History(conn)
    # Under the usual 15 minutes: one answered exactly on target, one left past its target.
    await h.ticket("m3", local(WED, 10), first=900)
    await h.ticket("m3", local(SUN, 23, 30))
    await h.ticket("m3", local(WED, 11), first=30)
    # Under an hour's target: 40 minutes is in time, and 23:30 on Sunday is not yet due.
    await h.ticket("m3", local(WED, 12), first=2400, policy=hour_policy)
    await h.ticket("m3", local(SUN, 23, 30), policy=hour_policy)

    summary = await weekly_summary(conn, TEAM, W47, SHANGHAI, manager_id="m3")

    assert summary.target_seconds == 900
    assert summary.steps == 3
    (m3,) = summary.managers
    assert (m3.received, m3.met_target, m3.target_due) == (5, 3, 4)


async def test_one_manager_and_the_whole_team(conn: AsyncConnection) -> None:
    await golden_week(conn)
    mine = await weekly_summary(conn, TEAM, W47, SHANGHAI, manager_id="m2")
    everyone = await weekly_summary(conn, TEAM, W47, SHANGHAI)

    assert [m.manager_id for m in mine.managers] == ["m2"]
    assert mine.team.received == 3
    assert [m.manager_id for m in everyone.managers] == ["m1", "m2", "m3"]
    assert everyone.team.received == 14
    assert everyone.team.first_response.max == 7200


async def test_a_manager_outside_the_supervisors_team_gets_nothing(
    conn: AsyncConnection,
) -> None:
    await golden_week(conn)
    summary = await weekly_summary(conn, TEAM, W47, SHANGHAI, supervisor_id="s1", manager_id="m3")
    assert summary.managers == ()
    assert summary.team.received == 0


async def test_an_empty_week_has_no_latencies(conn: AsyncConnection) -> None:
    summary = await weekly_summary(conn, TEAM, W47, SHANGHAI, supervisor_id="s2")

    (m3,) = summary.managers
    assert (m3.received, m3.answered, m3.unanswered) == (0, 0, 0)
    assert m3.first_response == Latency(count=0, median=None, p90=None, max=None)
    assert m3.within_target is None
    assert m3.escalations == ()
    assert summary.target_seconds is None


async def test_the_week_starts_at_monday_midnight_in_shanghai(conn: AsyncConnection) -> None:
    h = History(conn)
    await h.ticket("m3", local(MON - timedelta(days=1), 23, 59, 59), first=10)
    await h.ticket("m3", local(MON, 0, 0, 0), first=20)
    await h.ticket("m3", local(SUN, 23, 59, 59), first=1)
    await h.ticket("m3", local(NEXT_MON, 0, 0, 0), first=40)

    summary = await weekly_summary(conn, TEAM, W47, SHANGHAI, manager_id="m3")

    assert summary.team.received == 2
    # The Sunday question's answer came at Monday 00:00:00: the next week's, so not counted.
    assert summary.team.answered == 1
    assert summary.team.first_response == Latency(count=1, median=20, p90=20, max=20)
    assert summary.previous is not None
    assert summary.previous.received == 1


async def test_progress_is_reported_step_by_step(conn: AsyncConnection) -> None:
    await golden_week(conn)
    seen: list[tuple[int, int]] = []
    await weekly_summary(
        conn, TEAM, W47, SHANGHAI, progress=lambda done, total: seen.append((done, total))
    )
    assert seen == [(i, 8) for i in range(1, 9)]


async def test_progress_skips_ahead_over_an_empty_week(conn: AsyncConnection) -> None:
    seen: list[tuple[int, int]] = []
    await weekly_summary(
        conn, TEAM, W47, SHANGHAI, progress=lambda done, total: seen.append((done, total))
    )
    assert seen == [(1, 8), (4, 8), (5, 8), (8, 8)]


def reading_of(conn: AsyncConnection) -> Callable[[], AbstractAsyncContextManager[AsyncConnection]]:
    """Return an opener of further connections to the same database."""

    @asynccontextmanager
    async def reading() -> AsyncIterator[AsyncConnection]:
        async with conn.engine.connect() as other:
            yield other

    return reading


async def test_one_read_for_every_supervisor_gives_each_their_own_summary(
    conn: AsyncConnection,
) -> None:
    await golden_week(conn)
    await conn.commit()

    shared = await team_summaries(reading_of(conn), TEAM, W47, SHANGHAI, ["s1", "s2"])

    assert shared.keys() == {"s1", "s2"}
    for supervisor_id, summary in shared.items():
        alone = await weekly_summary(conn, TEAM, W47, SHANGHAI, supervisor_id=supervisor_id)
        assert summary == alone, supervisor_id
    assert shared["s1"].team.first_response == Latency(count=10, median=350, p90=3420, max=7200)
    # Its working table is gone afterwards: pooled connections run it again as well.
    assert await team_summaries(reading_of(conn), TEAM, W47, SHANGHAI, ["s1", "s2"]) == shared


async def test_each_team_is_ranked_on_its_own_answers(conn: AsyncConnection) -> None:
    # Three supervisors over uneven teams of managers with 1 to 12 answers each.
    managers, samples = [], {}
    h = History(conn)
    for size in range(1, 13):
        manager, supervisor = f"x{size:02d}", f"s{size % 3}"
        managers.append(
            Manager(
                manager, manager, (Address("telegram", str(6000 + size)),), supervisor=supervisor
            )
        )
        samples[manager] = [float((size * 7919 + k * 104729) % 5000 + k) for k in range(size)]
        for k, answer in enumerate(samples[manager]):
            await h.ticket(manager, local(WED, 12), off_hours=k % 3 == 0, first=answer)
    team = Team(
        managers=managers,
        supervisors=[
            Supervisor(f"s{i}", f"s{i}", (Address("telegram", str(i)),)) for i in range(3)
        ],
    )
    await conn.commit()

    shared = await team_summaries(reading_of(conn), team, W47, SHANGHAI, ["s0", "s1", "s2"])

    for supervisor_id, summary in shared.items():
        assert summary == await weekly_summary(
            conn, team, W47, SHANGHAI, supervisor_id=supervisor_id
        )
        every = [a for m in team.team_of(supervisor_id) for a in samples[m.id]]
        deciles = statistics.quantiles(every, n=10, method="inclusive")
        assert summary.team.first_response.median == pytest.approx(statistics.median(every))
        assert summary.team.first_response.p90 == pytest.approx(deciles[8])
        assert summary.team.first_response.max == max(every)


def quantiles_of(seconds: list[float]) -> tuple[float, float, float]:
    """Return the median, p90 and max as statistics.quantiles(method="inclusive") gives them."""
    if len(seconds) == 1:
        return seconds[0], seconds[0], seconds[0]
    deciles = statistics.quantiles(seconds, n=10, method="inclusive")
    return statistics.median(seconds), deciles[8], max(seconds)


async def test_hours_and_next_replies_are_ranked_apart(conn: AsyncConnection) -> None:
    # Uneven managers: answers in and out of hours, and next replies, ranked in one sort.
    managers, first, off, later = [], {}, {}, {}
    h = History(conn)
    for size in range(1, 9):
        manager = f"x{size:02d}"
        managers.append(
            Manager(
                manager,
                manager,
                (Address("telegram", str(7000 + size)),),
                supervisor=f"s{size % 2}",
            )
        )
        first[manager], off[manager], later[manager] = [], [], []
        for k in range(size + 2):
            answer = float((size * 7919 + k * 104729) % 4000 + k)
            ticket = await h.ticket(manager, local(WED, 9), off_hours=k % 3 == 1, first=answer)
            (off if k % 3 == 1 else first)[manager].append(answer)
            for reply in range(k % 3):
                seconds = answer / 2 + reply
                at = local(WED, 12) + timedelta(seconds=seconds)
                await h.answer(ticket, at, seconds, manager, manager, round=1 + reply)
                later[manager].append(seconds)
    team = Team(
        managers=managers,
        supervisors=[
            Supervisor(f"s{i}", f"s{i}", (Address("telegram", str(i)),)) for i in range(2)
        ],
    )
    await conn.commit()

    shared = await team_summaries(reading_of(conn), team, W47, SHANGHAI, ["s0", "s1"])

    for supervisor_id, summary in shared.items():
        ids = [m.id for m in team.team_of(supervisor_id)]
        figures = [(m.business, m.off_hours, m.next_reply, m.manager_id) for m in summary.managers]
        figures.append(
            (summary.team.business, summary.team.off_hours, summary.team.next_reply, None)
        )
        for business, off_hours, next_reply, manager_id in figures:
            chosen = ids if manager_id is None else [manager_id]
            for latency, samples in (
                (business, first),
                (off_hours, off),
                (next_reply, later),
            ):
                every = [s for i in chosen for s in samples[i]]
                expected = quantiles_of(every) if every else None
                found = (latency.median, latency.p90, latency.max) if latency.count else None
                assert found == pytest.approx(expected), (supervisor_id, manager_id)


async def test_latencies_come_back_exact_at_the_edges_of_the_sort_key(
    conn: AsyncConnection,
) -> None:
    # Each answer is ranked on one integer, group above microseconds: a latency a stepped-back
    # clock made negative, one of nearly a week and odd microseconds must neither lose
    # precision nor slip into the neighbouring manager's group.
    samples = {
        "m1": [-2.5, -1.000001, 0.000001],
        "m2": [-3_600.0, 0.5, 1.000001, 59.999999, 604_000.123456],
    }
    h = History(conn)
    for manager, seconds in samples.items():
        for latency in seconds:
            await h.ticket(manager, local(MON, 0, 5), first=latency)
    await conn.commit()

    summary = await weekly_summary(conn, TEAM, W47, SHANGHAI, supervisor_id="s1")

    for row in summary.managers:
        latency = row.first_response
        assert (latency.median, latency.p90, latency.max) == quantiles_of(samples[row.manager_id])
    every = samples["m1"] + samples["m2"]
    team = summary.team.first_response
    assert (team.median, team.p90, team.max) == quantiles_of(every)


async def test_the_week_before_counts_a_manager_who_has_since_left(conn: AsyncConnection) -> None:
    # x9 answered two questions the week before and left; m1 stays, with one each week.
    h = History(conn)
    before = MON - timedelta(days=7)
    await h.ticket("x9", local(before, 10), first=100)
    await h.ticket("x9", local(before, 11), first=300)
    await h.ticket("m1", local(before, 12), first=200)
    await h.ticket("m1", local(WED, 10), first=50)

    summary = await weekly_summary(conn, TEAM, W47, SHANGHAI)

    assert "x9" not in [m.manager_id for m in summary.managers]
    previous = summary.previous
    assert previous is not None
    assert (previous.received, previous.answered, previous.unanswered) == (3, 3, 0)
    assert (previous.met_target, previous.target_due) == (3, 3)
    assert previous.first_response == Latency(count=3, median=200, p90=280, max=300)


async def test_a_quiet_week_keeps_the_configured_ladder_and_target(conn: AsyncConnection) -> None:
    ladder = Policy(
        (
            EscalationStep(timedelta(minutes=10), Notify.MANAGER),
            EscalationStep(timedelta(minutes=30), Notify.BACKUP),
            EscalationStep(timedelta(hours=1), Notify.SUPERVISOR),
            EscalationStep(timedelta(hours=2), Notify.SUPERVISOR),
        )
    )
    quiet = await weekly_summary(conn, TEAM, W47, SHANGHAI, standards=Standards(ladder))
    assert (quiet.target_seconds, quiet.steps) == (600, 4)
    assert quiet.managers[0].escalations == (0, 0, 0, 0)

    # A week with questions keeps the target they were opened under.
    await History(conn).ticket("m1", local(WED, 10), first=60)
    busy = await weekly_summary(conn, TEAM, W47, SHANGHAI, standards=Standards(ladder))
    assert (busy.target_seconds, busy.steps) == (900, 4)
