"""One small team and roster, a fake clock and a fake store, wired into a Desk."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.phones import DiallingPlan
from desk.context import DeskContext
from desk.hours import OnDutyRota, Shift, parse_days
from desk.people import Address, Manager, Retailer, Supervisor, Team
from desk.policy import EscalationStep, Notify, Policy
from desk.ports import Store
from desk.service import Desk
from escalation.engine import Escalator
from tests.unit.fakes import FakeClock, FakeStore

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Tuesday, mid-morning in Shanghai: inside everyone's working hours.
TUESDAY_10AM = datetime(2026, 11, 17, 10, 0, tzinfo=SHANGHAI)


def make_team(*extra: Manager) -> Team:
    """Build s1 over m1 and m2 (each the other's backup), with the on-duty rota."""
    return Team(
        managers=[
            Manager("m1", "李经理", (Address("telegram", "5001"),), backup="m2", supervisor="s1"),
            Manager("m2", "王经理", (Address("telegram", "5002"),), backup="m1", supervisor="s1"),
            *extra,
        ],
        supervisors=[Supervisor("s1", "陈主任", (Address("telegram", "7001"),))],
        rota=OnDutyRota(
            [
                # Weeknights: from 18:00 to 09:00 the next morning, Monday night to Friday night.
                Shift("m2", parse_days("mon-fri"), time(18, 0), time(9, 0)),
                # Weekends: Saturday 09:00 round the clock until Monday 09:00.
                Shift("m1", parse_days("sat,sun"), time(9, 0), time(9, 0)),
            ]
        ),
    )


def make_policy(*, repeat_last_every: timedelta | None = None) -> Policy:
    """Build the default ladder: manager at 15m, backup at 30m, supervisor at 60m."""
    return Policy(
        steps=(
            EscalationStep(timedelta(minutes=15), Notify.MANAGER),
            EscalationStep(timedelta(minutes=30), Notify.BACKUP),
            EscalationStep(timedelta(minutes=60), Notify.SUPERVISOR),
        ),
        repeat_last_every=repeat_last_every,
    )


def make_roster() -> list[Retailer]:
    """Build r1 (m1's, chat 9001), r2 (m2's, chat 9002) and r3 (m1's, not linked yet)."""
    return [
        Retailer(
            "r1",
            "张三",
            "张三烟酒店",
            "+8613800138001",
            "m1",
            contacts=(Address("telegram", "9001"),),
        ),
        Retailer(
            "r2",
            "李四",
            "李四便利店",
            "+8613800138002",
            "m2",
            contacts=(Address("telegram", "9002"),),
        ),
        Retailer("r3", "王五", "王五小卖部", "+8613800138003", "m1"),
    ]


@pytest.fixture
def clock() -> FakeClock:
    """Return a clock stopped at Tuesday 10:00 in Shanghai."""
    return FakeClock(TUESDAY_10AM)


@pytest.fixture
def store(clock: FakeClock) -> FakeStore:
    """Return an empty desk store holding the roster, stamping outbox rows with the clock."""
    return FakeStore(make_roster(), clock=clock)


@pytest.fixture
def extra_managers() -> tuple[Manager, ...]:
    """Return managers to add to the team (or replace by id); override by parametrizing."""
    return ()


@pytest.fixture
def team(extra_managers: tuple[Manager, ...]) -> Team:
    """Return the team."""
    return make_team(*extra_managers)


@pytest.fixture
def policy() -> Policy:
    """Return the default escalation policy; override by parametrizing "policy"."""
    return make_policy()


@pytest.fixture
def ctx(store: FakeStore, team: Team, clock: FakeClock, policy: Policy) -> DeskContext:
    """Return the desk's context over the fakes."""
    typed: Store = store
    return DeskContext(
        store=typed,
        team=team,
        clock=clock,
        policy=policy,
        timezone=SHANGHAI,
        read_phone=DiallingPlan("CN").shared_phone,
    )


@pytest.fixture
def desk(ctx: DeskContext) -> Desk:
    """Return the desk facade."""
    return Desk(ctx)


@pytest.fixture
def escalator(ctx: DeskContext) -> Escalator:
    """Return the escalation engine over the same context."""
    return Escalator(ctx)
