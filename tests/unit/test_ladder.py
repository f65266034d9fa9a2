"""Which rung is due and whom it reaches, as pure functions of ticket, policy and time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from desk.hours import OnDutyRota
from desk.people import Address, Manager, Supervisor, Team
from desk.policy import EscalationStep, Notify, Policy
from desk.tickets import Ticket
from escalation.ladder import Climb, after_climb, next_climb, target_for

SHANGHAI = ZoneInfo("Asia/Shanghai")
ASKED = datetime(2026, 11, 17, 2, 0, tzinfo=UTC)  # Tuesday 10:00 in Shanghai
LADDER = Policy(
    (
        EscalationStep(timedelta(minutes=15), Notify.MANAGER),
        EscalationStep(timedelta(minutes=30), Notify.BACKUP),
        EscalationStep(timedelta(minutes=60), Notify.SUPERVISOR),
    )
)


def minutes(n: float) -> datetime:
    """Return the moment n minutes after the question."""
    return ASKED + timedelta(minutes=n)


def waiting(policy: Policy = LADDER, **state: Any) -> Ticket:
    """Return r1's ticket, waiting since ASKED, with some state changed."""
    ticket = Ticket(1, "r1", "m1", "m1", ASKED, policy, waiting_since=ASKED)
    return ticket.evolve(**state)


def climb_until(ticket: Ticket, end: float, *, reached: bool = True) -> list[tuple[float, Climb]]:
    """Tick minute by minute, doing every climb that falls due; return when each happened."""
    fired: list[tuple[float, Climb]] = []
    for minute in range(int(end) + 1):
        now = minutes(minute)
        while (climb := next_climb(ticket, now)) is not None:
            fired.append((minute, climb))
            ticket = after_climb(ticket, climb, now, reached=reached)
    return fired


def test_nothing_is_due_before_fifteen_minutes():
    assert next_climb(waiting(), minutes(14.99)) is None


def test_the_steps_fire_at_fifteen_thirty_and_sixty_minutes():
    fired = climb_until(waiting(), 180)

    assert [(minute, c.step, c.notify) for minute, c in fired] == [
        (15, 0, Notify.MANAGER),
        (30, 1, Notify.BACKUP),
        (60, 2, Notify.SUPERVISOR),
    ]
    assert not any(c.repeat or c.eta_broken for _, c in fired)


def test_an_overdue_ticket_climbs_one_rung_at_a_time():
    assert next_climb(waiting(), minutes(90)) == Climb(0, Notify.MANAGER, False, False)


def test_after_a_climb_the_ticket_remembers_the_step_and_when():
    climb = next_climb(waiting(), minutes(15))
    assert climb is not None

    after = after_climb(waiting(), climb, minutes(15), reached=True)

    assert (after.last_step, after.last_fired_at) == (0, minutes(15))
    assert after.next_due_at == minutes(30)
    assert after.hurry_at is None


def test_an_answer_stops_the_ladder():
    answered = waiting(last_step=0, last_fired_at=minutes(15)).evolve(waiting_since=None)

    assert climb_until(answered, 24 * 60) == []


def test_an_eta_pauses_the_ladder_then_resumes_it_reporting_the_broken_promise():
    promised = waiting(eta_until=minutes(40))

    fired = climb_until(promised, 180)

    assert [(minute, c.step, c.eta_broken) for minute, c in fired] == [
        (40, 0, True),
        # The ETA is gone once broken; the backup's rung was already overdue.
        (40, 1, False),
        (60, 2, False),
    ]


def test_an_eta_given_after_the_reminder_holds_the_backup_until_it_runs_out():
    after_reminder = waiting(last_step=0, last_fired_at=minutes(15), eta_until=minutes(50))

    assert next_climb(after_reminder, minutes(49)) is None
    assert next_climb(after_reminder, minutes(50)) == Climb(1, Notify.BACKUP, False, True)


def test_an_eta_with_no_steps_left_still_comes_due_to_record_the_broken_promise():
    top = waiting(last_step=2, last_fired_at=minutes(60), eta_until=minutes(120))

    climb = next_climb(top, minutes(120))

    assert climb == Climb(None, None, False, True)
    after = after_climb(top, climb, minutes(120), reached=True)
    assert after.eta_until is None
    assert after.next_due_at is None
    assert (after.last_step, after.last_fired_at) == (2, minutes(60))


def test_repeat_last_every_keeps_repeating_the_last_step():
    policy = Policy(LADDER.steps, repeat_last_every=timedelta(minutes=30))

    fired = climb_until(waiting(policy), 150)

    assert [(minute, c.step, c.repeat) for minute, c in fired] == [
        (15, 0, False),
        (30, 1, False),
        (60, 2, False),
        (90, 2, True),
        (120, 2, True),
        (150, 2, True),
    ]
    assert all(c.notify is Notify.SUPERVISOR for _, c in fired[2:])


def test_an_unreached_target_makes_the_next_step_due_at_once():
    climb = next_climb(waiting(), minutes(15))
    assert climb is not None

    hurried = after_climb(waiting(), climb, minutes(15), reached=False)

    assert hurried.hurry_at == minutes(15)
    assert hurried.next_due_at == minutes(15)
    assert next_climb(hurried, minutes(15)) == Climb(1, Notify.BACKUP, False, False)


def test_reaching_someone_clears_the_hurry():
    hurried = waiting(last_step=0, last_fired_at=minutes(15), hurry_at=minutes(15))
    climb = next_climb(hurried, minutes(15))
    assert climb is not None

    after = after_climb(hurried, climb, minutes(15), reached=True)

    assert after.hurry_at is None
    assert after.next_due_at == minutes(60)


def test_an_unreached_repeating_last_step_waits_for_the_next_repeat():
    policy = Policy(LADDER.steps, repeat_last_every=timedelta(minutes=30))
    top = waiting(policy, last_step=1, last_fired_at=minutes(30))
    climb = next_climb(top, minutes(60))
    assert climb == Climb(2, Notify.SUPERVISOR, False, False)

    after = after_climb(top, climb, minutes(60), reached=False)

    # There is no further rung to hurry to; the same unreachable person should not be retried
    # in a tight loop, but at the configured repeat.
    assert after.next_due_at == minutes(90)


# --- whom a rung reaches ---


def local(year_month_day: str, hh_mm: str) -> datetime:
    """Return a Shanghai wall-clock moment."""
    return datetime.fromisoformat(f"{year_month_day}T{hh_mm}").replace(tzinfo=SHANGHAI)


TUESDAY_NOON = local("2026-11-17", "12:00")


def test_the_manager_rung_reaches_the_assigned_manager(team):
    covered = waiting().evolve(manager_id="m2", home_manager_id="m1")

    assert target_for(Notify.MANAGER, waiting(), team, covering=None, local_now=TUESDAY_NOON) == (
        "m1"
    )
    assert target_for(Notify.MANAGER, covered, team, covering=None, local_now=TUESDAY_NOON) == (
        "m2"
    )


def test_the_backup_rung_reaches_the_managers_backup(team):
    assert target_for(Notify.BACKUP, waiting(), team, covering=None, local_now=TUESDAY_NOON) == (
        "m2"
    )


def test_during_leave_the_backup_rung_reaches_the_covering_colleague(team):
    target = target_for(Notify.BACKUP, waiting(), team, covering="m3", local_now=TUESDAY_NOON)

    assert target == "m3"


def test_a_backup_who_is_the_assigned_manager_is_nobody(team):
    target = target_for(Notify.BACKUP, waiting(), team, covering="m1", local_now=TUESDAY_NOON)

    assert target is None


def test_no_backup_is_nobody():
    solo = Team(
        [Manager("m1", "李经理", (Address("telegram", "5001"),), supervisor="s1")],
        [Supervisor("s1", "陈主任", (Address("telegram", "7001"),))],
    )

    assert target_for(Notify.BACKUP, waiting(), solo, covering=None, local_now=TUESDAY_NOON) is None


def test_the_supervisor_rung_reaches_the_home_managers_supervisor():
    team = Team(
        [
            Manager("m1", "李经理", (Address("telegram", "5001"),), backup="m2", supervisor="s1"),
            Manager("m2", "王经理", (Address("telegram", "5002"),), backup="m1", supervisor="s2"),
        ],
        [
            Supervisor("s1", "陈主任", (Address("telegram", "7001"),)),
            Supervisor("s2", "周主任", (Address("telegram", "7002"),)),
        ],
    )
    covered = waiting().evolve(manager_id="m2", home_manager_id="m1")

    assert target_for(
        Notify.SUPERVISOR, waiting(), team, covering=None, local_now=TUESDAY_NOON
    ) == ("s1")
    assert target_for(Notify.SUPERVISOR, covered, team, covering=None, local_now=TUESDAY_NOON) == (
        "s1"
    )


def test_no_supervisor_is_nobody():
    alone = Team([Manager("m1", "李经理", (Address("telegram", "5001"),))], [])

    assert (
        target_for(Notify.SUPERVISOR, waiting(), alone, covering=None, local_now=TUESDAY_NOON)
        is None
    )


@pytest.mark.parametrize(
    ("day", "clock", "on_duty"),
    [
        ("2026-11-17", "12:00", None),  # Tuesday, office hours
        ("2026-11-17", "17:59", None),
        ("2026-11-17", "18:00", "m2"),  # Tuesday night
        ("2026-11-18", "02:00", "m2"),  # past midnight: still Tuesday's night shift
        ("2026-11-18", "08:59", "m2"),
        ("2026-11-18", "09:00", None),
        ("2026-11-20", "23:00", "m2"),  # Friday night is a weeknight
        ("2026-11-21", "02:00", "m2"),  # Saturday small hours belong to Friday's shift
        ("2026-11-21", "09:00", "m1"),  # the weekend begins
        ("2026-11-22", "23:00", "m1"),  # Sunday night
        ("2026-11-23", "02:00", "m1"),  # Monday small hours belong to Sunday's shift
        ("2026-11-23", "08:59", "m1"),
        ("2026-11-23", "09:00", None),  # Monday morning: back to office hours
        ("2026-11-23", "18:00", "m2"),
    ],
)
def test_the_on_duty_rung_follows_the_rota_in_shanghai_time(team, day, clock, on_duty):
    moment = local(day, clock)

    assert target_for(Notify.ON_DUTY, waiting(), team, covering=None, local_now=moment) == on_duty


def test_no_rota_means_nobody_on_duty():
    team = Team([Manager("m1", "李经理", (Address("telegram", "5001"),))], [], OnDutyRota(()))

    at_night = local("2026-11-18", "02:00")

    assert target_for(Notify.ON_DUTY, waiting(), team, covering=None, local_now=at_night) is None
