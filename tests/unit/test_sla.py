"""The SLA clock: when a waiting ticket next needs the ladder."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from desk.policy import EscalationStep, Notify, Policy
from desk.sla import next_due, with_due
from desk.tickets import Ticket, TicketStatus

ASKED = datetime(2026, 11, 17, 2, 0, tzinfo=UTC)
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


@pytest.mark.parametrize(
    ("last_step", "due"), [(-1, minutes(15)), (0, minutes(30)), (1, minutes(60)), (2, None)]
)
def test_each_step_falls_due_its_time_after_the_question(last_step, due):
    assert next_due(waiting(last_step=last_step)) == due


def test_nothing_is_due_while_nobody_waits():
    assert next_due(waiting(waiting_since=None)) is None


def test_nothing_is_due_on_a_resolved_ticket():
    assert next_due(waiting(status=TicketStatus.RESOLVED, eta_until=minutes(40))) is None


def test_the_clock_counts_from_the_oldest_unanswered_message_not_the_opening():
    later_round = waiting(waiting_since=minutes(120), round=1)

    assert next_due(later_round) == minutes(135)


def test_an_eta_past_the_next_step_holds_the_ladder_until_the_eta():
    assert next_due(waiting(eta_until=minutes(40))) == minutes(40)


def test_an_eta_before_the_next_step_changes_nothing():
    assert next_due(waiting(eta_until=minutes(10))) == minutes(15)


def test_an_eta_with_no_steps_left_is_still_due_to_count_the_broken_promise():
    assert next_due(waiting(last_step=2, eta_until=minutes(90))) == minutes(90)


def test_repeat_last_every_keeps_the_last_step_coming():
    policy = Policy(LADDER.steps, repeat_last_every=timedelta(minutes=30))

    ticket = waiting(policy, last_step=2, last_fired_at=minutes(60))

    assert next_due(ticket) == minutes(90)


def test_without_repeat_the_ladder_ends_at_the_last_step():
    assert next_due(waiting(last_step=2, last_fired_at=minutes(60))) is None


def test_a_hurried_ticket_is_due_at_once():
    assert next_due(waiting(last_step=0, hurry_at=minutes(16))) == minutes(16)


def test_a_hurry_overrides_an_eta_pause():
    assert next_due(waiting(last_step=0, eta_until=minutes(90), hurry_at=minutes(20))) == minutes(
        20
    )


def test_a_policy_without_steps_never_escalates():
    assert next_due(waiting(Policy(()))) is None


def test_with_due_stores_the_next_due_time_on_the_ticket():
    assert with_due(waiting(last_step=0)).next_due_at == minutes(30)
    assert with_due(waiting(waiting_since=None, next_due_at=minutes(5))).next_due_at is None


@pytest.mark.parametrize(
    ("last_step", "due"), [(-1, minutes(55)), (0, minutes(70)), (1, minutes(100)), (2, None)]
)
def test_a_reassigned_ticket_climbs_afresh_from_the_reassignment(last_step, due):
    assert next_due(waiting(reassigned_at=minutes(40), last_step=last_step)) == due


def test_a_reassignment_before_the_waiting_round_is_no_restart():
    # Handed over in an earlier round: the new round's own wait sets the pace.
    later_round = waiting(waiting_since=minutes(120), reassigned_at=minutes(40))

    assert next_due(later_round) == minutes(135)
