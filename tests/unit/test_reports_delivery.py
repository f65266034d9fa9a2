"""Weekly delivery goes to each supervisor exactly once; /report and /mystats pick the scope."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.phones import DiallingPlan
from desk.context import DeskContext
from desk.notices import Notice, NoticeKind
from desk.people import Address, Manager, Supervisor, Team
from desk.policy import Policy
from reports import (
    Audience,
    IsoWeek,
    WeeklySchedule,
    WeeklySummary,
    batched,
    deliver_due_reports,
    on_demand,
)
from tests.unit.test_reports_figures import sample_summary

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY_NINE = datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI).astimezone(UTC)
SCHEDULE = WeeklySchedule.parse("mon 09:00")
TEAM = Team(
    managers=[
        Manager("m1", "李经理", (Address("telegram", "5001"),), supervisor="s1"),
        Manager("m2", "王经理", (Address("telegram", "5002"),), supervisor="s2"),
    ],
    supervisors=[
        Supervisor("s1", "陈主任", (Address("telegram", "7001"),)),
        Supervisor("s2", "周主任", (Address("telegram", "7002"),)),
        Supervisor("s3", "吴主任", (Address("telegram", "7003"),)),  # nobody reports to s3
    ],
)


class FakeClock:
    """Tell whatever time the test sets."""

    def __init__(self, now: datetime) -> None:
        self.moment = now

    def now(self) -> datetime:
        """Return the set time."""
        return self.moment


class FakeLedger:
    """Record claims and notices; they count only if the transaction commits."""

    def __init__(self, store: FakeStore) -> None:
        self.store = store
        self.claims: set[tuple[str, str]] = set()
        self.posted: list[Notice] = []

    async def report_claimed(self, week: str, supervisor_id: str) -> bool:
        """Tell whether the week went to the supervisor already."""
        return (week, supervisor_id) in self.store.claims

    async def in_service_since(self) -> datetime | None:
        """Return when the desk began, as the test set it."""
        return self.store.began

    async def staff_langs(self) -> dict[str, str]:
        """Return the languages staff picked with /lang."""
        return dict(self.store.picked)

    async def claim_report(self, week: str, supervisor_id: str, at: datetime) -> bool:
        """Reserve a week for a supervisor unless someone did already."""
        key = (week, supervisor_id)
        if key in self.store.claims or key in self.claims:
            return False
        self.claims.add(key)
        return True

    async def post(self, notice: Notice) -> None:
        """Queue a notice."""
        self.posted.append(notice)


class FakeStore:
    """Commit a ledger's work when its block ends without an error."""

    def __init__(self) -> None:
        self.claims: set[tuple[str, str]] = set()
        self.outbox: list[Notice] = []
        self.writing = False
        # In service since well before the week delivered on MONDAY_NINE.
        self.began: datetime | None = MONDAY_NINE - timedelta(days=30)
        self.picked: dict[str, str] = {}

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[FakeLedger]:
        """Run one unit of work."""
        ledger = FakeLedger(self)
        self.writing = True
        try:
            yield ledger
        finally:
            self.writing = False
        self.claims |= ledger.claims
        self.outbox.extend(ledger.posted)

    @asynccontextmanager
    async def peek(self) -> AsyncIterator[FakeLedger]:
        """Read without writing."""
        yield FakeLedger(self)


class FakeSummaries:
    """Hand out the sample summary and remember who asked for which week."""

    def __init__(self, failing: set[str] | None = None) -> None:
        self.asked: list[tuple[IsoWeek, Audience]] = []
        self.failing = failing or set()

    async def __call__(self, week: IsoWeek, audience: Audience) -> WeeklySummary:
        """Return the sample week, relabelled."""
        self.asked.append((week, audience))
        if audience.supervisor_id in self.failing:
            raise RuntimeError("the database went away")
        return replace(sample_summary(), week=week)


@pytest.fixture
def store() -> FakeStore:
    """Return an empty fake store."""
    return FakeStore()


def context(store: FakeStore, now: datetime = MONDAY_NINE) -> DeskContext:
    """Return a desk context around the fake store."""
    return DeskContext(
        store, TEAM, FakeClock(now), Policy(steps=()), SHANGHAI, DiallingPlan().shared_phone
    )  # type: ignore[arg-type]


async def test_each_supervisor_with_managers_gets_text_chart_and_table(store: FakeStore) -> None:
    summaries = FakeSummaries()

    sent = await deliver_due_reports(context(store), SCHEDULE, summaries)

    assert sent == 2
    assert store.claims == {("2026-W47", "s1"), ("2026-W47", "s2")}
    assert summaries.asked == [
        (IsoWeek(2026, 47), Audience(supervisor_id="s1")),
        (IsoWeek(2026, 47), Audience(supervisor_id="s2")),
    ]
    to_s1 = [n for n in store.outbox if n.to == "s1"]
    assert [n.kind for n in to_s1] == [NoticeKind.REPORT] * 3
    assert {n.address for n in to_s1} == {Address("telegram", "7001")}
    text, chart, table = to_s1
    assert text.params["text"].startswith("客服响应周报 2026-W47")
    assert text.attachment is None
    assert chart.attachment is not None
    assert chart.attachment.as_photo
    assert chart.attachment.filename == "report-2026-W47.png"
    assert chart.attachment.data.startswith(b"\x89PNG")
    assert table.attachment is not None
    assert not table.attachment.as_photo
    assert table.attachment.data.startswith(b"\xef\xbb\xbf")


@pytest.mark.parametrize(
    "began",
    [None, datetime(2026, 11, 23, 0, 0, tzinfo=SHANGHAI), MONDAY_NINE],
    ids=["nothing stored", "at the week's end", "after it"],
)
async def test_a_week_over_before_the_desk_began_is_not_summarized(
    store: FakeStore, began: datetime | None
) -> None:
    store.began = began
    summaries = FakeSummaries()

    assert await deliver_due_reports(context(store), SCHEDULE, summaries) == 0
    assert summaries.asked == []
    assert store.outbox == []


async def test_a_desk_that_began_within_the_week_summarizes_it(store: FakeStore) -> None:
    store.began = datetime(2026, 11, 22, 23, 59, tzinfo=SHANGHAI)

    assert await deliver_due_reports(context(store), SCHEDULE, FakeSummaries()) == 2


async def test_a_second_run_sends_nothing_and_builds_nothing(store: FakeStore) -> None:
    await deliver_due_reports(context(store), SCHEDULE, FakeSummaries())
    again = FakeSummaries()

    assert await deliver_due_reports(context(store), SCHEDULE, again) == 0
    assert again.asked == []
    assert len(store.outbox) == 6


async def test_reports_are_built_while_no_write_transaction_is_open(store: FakeStore) -> None:
    building: list[bool] = []

    async def summarize(week: IsoWeek, audience: Audience) -> WeeklySummary:
        building.append(store.writing)
        return replace(sample_summary(), week=week)

    assert await deliver_due_reports(context(store), SCHEDULE, summarize) == 2
    # SQLite has one writer: holding it while a chart is drawn keeps questions waiting.
    assert building == [False, False]


async def test_a_claim_lost_meanwhile_sends_nothing(store: FakeStore) -> None:
    async def summarize(week: IsoWeek, audience: Audience) -> WeeklySummary:
        # Another worker sends this supervisor's week while this one builds it.
        assert audience.supervisor_id is not None
        store.claims.add((str(week), audience.supervisor_id))
        return replace(sample_summary(), week=week)

    assert await deliver_due_reports(context(store), SCHEDULE, summarize) == 0
    assert store.outbox == []


async def test_before_the_delivery_moment_the_week_before_is_due(store: FakeStore) -> None:
    early = datetime(2026, 11, 23, 8, 59, tzinfo=SHANGHAI).astimezone(UTC)
    await deliver_due_reports(context(store, early), SCHEDULE, FakeSummaries())
    assert {week for week, _ in store.claims} == {"2026-W46"}


async def test_one_failing_report_leaves_the_others_and_is_retried(store: FakeStore) -> None:
    sent = await deliver_due_reports(context(store), SCHEDULE, FakeSummaries(failing={"s1"}))

    assert sent == 1
    assert store.claims == {("2026-W47", "s2")}
    assert {n.to for n in store.outbox} == {"s2"}
    assert await deliver_due_reports(context(store), SCHEDULE, FakeSummaries()) == 1
    assert store.claims == {("2026-W47", "s1"), ("2026-W47", "s2")}


async def test_a_supervisor_asks_for_the_team_this_week(store: FakeStore) -> None:
    summaries = FakeSummaries()
    wednesday = datetime(2026, 11, 25, 15, 0, tzinfo=SHANGHAI).astimezone(UTC)

    report = await on_demand(context(store, wednesday), summaries, TEAM.supervisors["s1"])

    assert summaries.asked == [(IsoWeek(2026, 48), Audience(supervisor_id="s1"))]
    assert report.text.startswith("客服响应周报 2026-W48")
    assert report.chart.as_photo
    assert not report.table.as_photo
    assert store.outbox == []


async def test_a_manager_asks_for_their_own_figures_of_a_given_week(store: FakeStore) -> None:
    summaries = FakeSummaries()

    await on_demand(context(store), summaries, TEAM.managers["m2"], IsoWeek(2026, 40))

    assert summaries.asked == [(IsoWeek(2026, 40), Audience(manager_id="m2"))]


class FakeTeamSummaries:
    """Hand out the sample summary for every supervisor asked for, or fail."""

    def __init__(self, *, failing: bool = False) -> None:
        self.asked: list[tuple[IsoWeek, tuple[str, ...]]] = []
        self.failing = failing

    async def __call__(
        self, week: IsoWeek, supervisor_ids: tuple[str, ...]
    ) -> dict[str, WeeklySummary]:
        """Return the sample week for each supervisor, relabelled."""
        self.asked.append((week, supervisor_ids))
        if self.failing:
            raise RuntimeError("the database went away")
        return {s: replace(sample_summary(), week=week) for s in supervisor_ids}


async def test_a_batched_delivery_reads_the_week_once_for_every_supervisor(
    store: FakeStore,
) -> None:
    single, shared = FakeSummaries(), FakeTeamSummaries()

    sent = await deliver_due_reports(context(store), SCHEDULE, batched(single, shared, TEAM))

    assert sent == 2
    assert shared.asked == [(IsoWeek(2026, 47), ("s1", "s2"))]
    assert single.asked == []
    assert {n.to for n in store.outbox} == {"s1", "s2"}


async def test_a_batched_delivery_falls_back_to_one_summary_each(store: FakeStore) -> None:
    single, shared = FakeSummaries(), FakeTeamSummaries(failing=True)
    summarize = batched(single, shared, TEAM)

    sent = await deliver_due_reports(context(store), SCHEDULE, summarize)

    # The shared read failed for s1's report, which is retried next run; s2 got its own.
    assert sent == 1
    assert single.asked == [(IsoWeek(2026, 47), Audience(supervisor_id="s2"))]
    assert len(shared.asked) == 1


async def test_a_batched_summary_is_handed_out_once(store: FakeStore) -> None:
    single, shared = FakeSummaries(), FakeTeamSummaries()
    summarize = batched(single, shared, TEAM)
    week, s1 = IsoWeek(2026, 47), Audience(supervisor_id="s1")

    await summarize(week, s1)
    await summarize(week, s1)
    await summarize(week, Audience(manager_id="m1"))

    assert len(shared.asked) == 1
    assert single.asked == [(week, s1), (week, Audience(manager_id="m1"))]


async def test_each_supervisor_reads_the_summary_in_their_own_language(store: FakeStore) -> None:
    english = replace(TEAM.supervisors["s2"], lang="en")
    team = Team(TEAM.managers.values(), [TEAM.supervisors["s1"], english])
    ctx = replace(context(store), team=team)

    await deliver_due_reports(ctx, SCHEDULE, FakeSummaries())

    texts = {n.to: n.params["text"] for n in store.outbox if n.attachment is None}
    assert texts["s1"].startswith("客服响应周报 2026-W47")
    assert texts["s2"].startswith("Response-time report 2026-W47")
    tables = {
        n.to: n.attachment.data for n in store.outbox if n.attachment and not n.attachment.as_photo
    }
    assert tables["s1"].decode("utf-8-sig").startswith("周次,经理编号")
    assert tables["s2"].decode("utf-8-sig").startswith("week,manager")


async def test_a_supervisor_who_picked_english_on_any_worker_gets_it_in_english(
    store: FakeStore,
) -> None:
    store.picked = {"s1": "en"}  # /lang en, taken by another worker; the config says zh

    await deliver_due_reports(context(store), SCHEDULE, FakeSummaries())

    texts = {n.to: n.params["text"] for n in store.outbox if n.attachment is None}
    assert texts["s1"].startswith("Response-time report 2026-W47")
    assert texts["s2"].startswith("客服响应周报 2026-W47")
