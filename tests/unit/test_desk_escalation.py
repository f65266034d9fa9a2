"""The escalation engine fires due rungs from the store, each exactly once."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from desk.commands import Answer, Ask, Away, OnIt
from desk.content import Content, ContentKind
from desk.notices import Button, NoticeKind
from desk.people import Address, Manager
from desk.policy import EscalationStep, Notify, Policy
from desk.tickets import EventKind
from escalation.engine import Escalator
from tests.unit.fakes import FakeClock, FakeStore

SHANGHAI = ZoneInfo("Asia/Shanghai")
R1 = Address("telegram", "9001")
R2 = Address("telegram", "9002")
M1 = Address("telegram", "5001")
QUESTION = "中华烟什么时候到货？"
# A rung for the on-duty colleague, of whom there is none on a Tuesday morning.
ON_DUTY_SECOND = Policy(
    (
        EscalationStep(timedelta(minutes=15), Notify.MANAGER),
        EscalationStep(timedelta(minutes=30), Notify.ON_DUTY),
        EscalationStep(timedelta(minutes=60), Notify.SUPERVISOR),
    )
)


def said(text: str, chat: Address = R1, message_id: int = 1) -> Content:
    """Return a text message from a chat."""
    return Content(ContentKind.TEXT, text, chat, str(message_id))


async def fire_at(escalator: Escalator, clock: FakeClock, minute: float, asked_at: datetime) -> int:
    """Move the clock to some minutes after the question and fire what is due."""
    clock.set(asked_at + timedelta(minutes=minute))
    return await escalator.fire_due()


def kinds_to(store: FakeStore) -> list[tuple[str, NoticeKind, int | None]]:
    """Return who got which staff notice for which step, in order."""
    staff_kinds = {NoticeKind.REMINDER, NoticeKind.ESCALATION}
    return [(n.to, n.kind, n.step) for n in store.posted if n.kind in staff_kinds]


async def test_nothing_fires_before_fifteen_minutes(desk, store, clock, escalator):
    asked = clock.now()
    await desk.ask(Ask(R1, said(QUESTION)))

    assert await fire_at(escalator, clock, 14.99, asked) == 0
    assert kinds_to(store) == []


async def test_at_fifteen_minutes_the_manager_gets_a_reminder(desk, store, clock, escalator):
    asked = clock.now()
    await desk.ask(Ask(R1, said(QUESTION)))

    assert await fire_at(escalator, clock, 15, asked) == 1

    (reminder,) = store.posted_to("m1", NoticeKind.REMINDER)
    assert reminder.address == M1
    assert reminder.step == 0
    assert reminder.params["step"] == 1
    assert reminder.params["waited"] == 15 * 60
    assert reminder.params["question"] == QUESTION
    assert reminder.buttons == (Button("button.on_it", "on:1"), Button("button.resolve", "res:1"))
    (escalated,) = store.events_of(EventKind.ESCALATED)
    assert (escalated.target, escalated.step, escalated.round) == ("m1", 0, 0)


async def test_at_thirty_minutes_the_backup_gets_the_question_and_who_was_told(
    desk, store, clock, escalator
):
    asked = clock.now()
    await desk.ask(Ask(R1, said(QUESTION, message_id=1)))
    clock.advance(minutes=2)
    await desk.ask(Ask(R1, said("要两条。", message_id=2)))
    await fire_at(escalator, clock, 15, asked)

    await fire_at(escalator, clock, 30, asked)

    (escalation,) = store.posted_to("m2", NoticeKind.ESCALATION)
    assert escalation.address == Address("telegram", "5002")
    assert escalation.step == 1
    assert escalation.params["question"] == f"{QUESTION}\n要两条。"
    assert escalation.params["notified"] == ["李经理"]
    assert escalation.params["manager"] == "李经理"
    assert escalation.params["retailer"] == "张三"
    assert escalation.params["shop"] == "张三烟酒店"
    assert escalation.params["waited"] == 30 * 60
    assert escalation.buttons == ()  # only the assigned manager presses buttons


async def test_at_sixty_minutes_the_supervisor_hears_of_it(desk, store, clock, escalator):
    asked = clock.now()
    await desk.ask(Ask(R1, said(QUESTION)))
    for minute in (15, 30, 60):
        await fire_at(escalator, clock, minute, asked)

    assert kinds_to(store) == [
        ("m1", NoticeKind.REMINDER, 0),
        ("m2", NoticeKind.ESCALATION, 1),
        ("s1", NoticeKind.ESCALATION, 2),
    ]
    (escalation,) = store.posted_to("s1")
    assert escalation.address == Address("telegram", "7001")
    assert escalation.params["notified"] == ["李经理", "王经理"]


async def test_each_step_fires_once_however_often_the_engine_runs(desk, store, clock, escalator):
    asked = clock.now()
    await desk.ask(Ask(R1, said(QUESTION)))

    for minute in (15, 15, 16, 30, 30, 45, 60, 60, 61, 240, 240):
        await fire_at(escalator, clock, minute, asked)

    assert [step for _, _, step in kinds_to(store)] == [0, 1, 2]
    assert len(store.events_of(EventKind.ESCALATED)) == 3
    assert store.tickets[1].next_due_at is None


async def test_a_ticket_found_after_a_restart_climbs_one_rung_per_pass(
    desk, store, clock, escalator
):
    asked = clock.now()
    await desk.ask(Ask(R1, said(QUESTION)))
    clock.set(asked + timedelta(hours=3))

    passes = [await escalator.fire_due() for _ in range(4)]

    assert passes == [1, 1, 1, 0]
    assert [step for _, _, step in kinds_to(store)] == [0, 1, 2]


async def test_after_an_answer_nothing_more_fires(desk, store, clock, escalator):
    asked = clock.now()
    await desk.ask(Ask(R1, said(QUESTION)))
    await fire_at(escalator, clock, 15, asked)
    (reminder,) = store.posted_to("m1", NoticeKind.REMINDER)
    clock.set(asked + timedelta(minutes=20))
    await desk.answer(Answer("m1", M1, store.message_id_of(reminder), said("周四到。", M1)))

    for minute in (30, 60, 24 * 60):
        assert await fire_at(escalator, clock, minute, asked) == 0

    assert kinds_to(store) == [("m1", NoticeKind.REMINDER, 0)]
    # The ladder is done; what stays due is asking the retailer to rate, a day after the answer.
    answered = asked + timedelta(minutes=20)
    assert await escalator.earliest_due() == answered + timedelta(hours=24)


async def test_an_eta_holds_the_ladder_and_its_expiry_is_counted(desk, store, clock, escalator):
    asked = clock.now()
    await desk.ask(Ask(R1, said(QUESTION)))
    clock.advance(minutes=5)
    await desk.on_it(OnIt("m1", 1, 60))

    assert await fire_at(escalator, clock, 15, asked) == 0
    assert await fire_at(escalator, clock, 64, asked) == 0
    assert await fire_at(escalator, clock, 65, asked) == 1

    assert kinds_to(store) == [("m1", NoticeKind.REMINDER, 0)]
    (broken,) = store.events_of(EventKind.ETA_BROKEN)
    assert (broken.target, broken.at) == ("m1", clock.now())
    assert store.tickets[1].eta_until is None


@pytest.mark.parametrize("policy", [ON_DUTY_SECOND])
async def test_an_overdue_step_whose_target_is_missing_is_recorded_and_hurries_the_next(
    desk, store, clock, escalator
):
    asked = clock.now()
    await desk.ask(Ask(R1, said(QUESTION)))
    await fire_at(escalator, clock, 15, asked)

    await fire_at(escalator, clock, 30, asked)

    (unreachable,) = store.events_of(EventKind.UNREACHABLE)
    assert (unreachable.step, unreachable.delivered) == (1, False)
    assert unreachable.detail["notify"] == "on_duty"
    assert store.tickets[1].next_due_at == clock.now()

    assert await escalator.fire_due() == 1  # same instant: the supervisor is not kept waiting
    (escalation,) = store.posted_to("s1", NoticeKind.ESCALATION)
    assert escalation.step == 2


@pytest.mark.parametrize("policy", [ON_DUTY_SECOND])
async def test_at_night_the_on_duty_colleague_is_reached(desk, store, clock, escalator):
    # Saturday 01:40 in Shanghai is still Friday night's shift, which is m2's.
    asked = clock.set(datetime(2026, 11, 21, 1, 40, tzinfo=SHANGHAI))
    await desk.ask(Ask(R1, said(QUESTION)))
    await fire_at(escalator, clock, 15, asked)

    await fire_at(escalator, clock, 30, asked)

    assert kinds_to(store) == [
        ("m1", NoticeKind.REMINDER, 0),
        ("m2", NoticeKind.ESCALATION, 1),
    ]


@pytest.mark.parametrize(
    "extra_managers",
    [(Manager("m3", "赵经理", (Address("telegram", "5003"),), backup="m1", supervisor="s1"),)],
)
async def test_during_leave_the_backup_rung_reaches_the_covering_colleague(
    desk, store, clock, escalator
):
    asked = clock.now()
    await desk.ask(Ask(R1, said(QUESTION)))
    await desk.go_away(Away("m1", asked + timedelta(days=2), "m3"))

    for minute in (15, 30):
        await fire_at(escalator, clock, minute, asked)

    # The manager on leave is never pinged: the reminder goes to whoever covers.
    assert [to for to, _, _ in kinds_to(store)] == ["m3", "m3"]


async def test_the_engine_works_through_more_due_tickets_than_one_batch(ctx, desk, store, clock):
    asked = clock.now()
    await desk.ask(Ask(R1, said(QUESTION)))
    await desk.ask(Ask(R2, said("我也有问题", R2)))

    moved = await fire_at(Escalator(ctx, batch=1), clock, 15, asked)

    assert moved == 2
    assert sorted(to for to, _, _ in kinds_to(store)) == ["m1", "m2"]


async def test_the_earliest_due_time_is_the_next_rung_of_any_ticket(desk, clock, escalator):
    asked = clock.now()
    await desk.ask(Ask(R1, said(QUESTION)))
    clock.advance(minutes=5)
    await desk.ask(Ask(R2, said("我也有问题", R2)))

    assert await escalator.earliest_due() == asked + timedelta(minutes=15)


@pytest.mark.parametrize(
    "policy",
    [Policy(ON_DUTY_SECOND.steps[:2], repeat_last_every=timedelta(minutes=30))],
)
async def test_an_unreachable_repeating_last_rung_is_not_retried_in_a_tight_loop(
    desk, store, clock, escalator
):
    asked = clock.now()
    await desk.ask(Ask(R1, said(QUESTION)))
    await fire_at(escalator, clock, 15, asked)
    await fire_at(escalator, clock, 30, asked)

    for _ in range(3):
        await escalator.fire_due()  # the scheduler re-arms at earliest_due(), i.e. now

    assert len(store.events_of(EventKind.UNREACHABLE)) == 1
    assert store.tickets[1].next_due_at == asked + timedelta(minutes=60)


@pytest.mark.parametrize(
    "extra_managers",
    [(Manager("m1", "李经理", (Address("telegram", "5001"),), backup="m9", supervisor="s1"),)],
)
async def test_a_rung_whose_target_is_not_on_the_team_is_unreachable(desk, store, clock, escalator):
    asked = clock.now()
    await desk.ask(Ask(R1, said(QUESTION)))
    await fire_at(escalator, clock, 15, asked)

    await fire_at(escalator, clock, 30, asked)

    (unreachable,) = store.events_of(EventKind.UNREACHABLE)
    assert unreachable.step == 1
    assert store.posted_to("m9") == []
    assert await escalator.fire_due() == 1
    (escalation,) = store.posted_to("s1", NoticeKind.ESCALATION)
    assert escalation.params["notified"] == ["李经理"]


async def test_a_stray_due_time_is_recomputed_without_firing(desk, store, clock, escalator):
    await desk.ask(Ask(R1, said(QUESTION)))
    store.add_ticket(store.tickets[1].evolve(next_due_at=clock.now()))

    assert await escalator.fire_due() == 1

    assert kinds_to(store) == []
    assert store.tickets[1].next_due_at == clock.now() + timedelta(minutes=15)
