"""A supervisor nudges a waiting ticket's manager, or hands the ticket to another manager."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from desk.commands import Answer, AnswerTicket, Ask, Away, Nudge, OnIt, Outcome, Reassign, Resolve
from desk.content import Content, ContentKind
from desk.notices import Button, NoticeKind
from desk.people import Address, Manager, Supervisor, Team
from desk.sla import with_due
from desk.tickets import EventKind, Ticket
from escalation.engine import Escalator
from tests.unit.conftest import make_team
from tests.unit.fakes import FakeClock, FakeStore

R1 = Address("telegram", "9001")
M1 = Address("telegram", "5001")
M2 = Address("telegram", "5002")
QUESTION = "中华烟什么时候到货？"
BUTTONS = (Button("button.on_it", "on:1"), Button("button.resolve", "res:1"))
LADDER_KINDS = {NoticeKind.REMINDER, NoticeKind.ESCALATION}


@pytest.fixture
def team() -> Team:
    """Return s1's team (m1, m2) and s2's (m3): s2 steers none of s1's tickets."""
    base = make_team()
    return Team(
        managers=[
            *base.managers.values(),
            Manager("m3", "赵经理", (Address("telegram", "5003"),), backup="m3", supervisor="s2"),
        ],
        supervisors=[
            *base.supervisors.values(),
            Supervisor("s2", "周主任", (Address("telegram", "7002"),)),
        ],
        rota=base.rota,
    )


def said(text: str, chat: Address = R1, message_id: int = 1) -> Content:
    """Return a text message from a chat."""
    return Content(ContentKind.TEXT, text, chat, str(message_id))


async def asked(desk, clock: FakeClock) -> datetime:
    """Have r1 ask (ticket #1, m1's) and return when."""
    at = clock.now()
    assert await desk.ask(Ask(R1, said(QUESTION))) is Outcome.DONE
    return at


async def fire_at(escalator: Escalator, clock: FakeClock, start: datetime, minute: float) -> None:
    """Move the clock to some minutes after the question and fire what is due."""
    clock.set(start + timedelta(minutes=minute))
    await escalator.fire_due()


def ladder(store: FakeStore) -> list[tuple[str, NoticeKind, int | None]]:
    """Return who got which rung, in order."""
    return [(n.to, n.kind, n.step) for n in store.posted if n.kind in LADDER_KINDS]


# --- Nudge -------------------------------------------------------------------------------


async def test_a_nudge_reminds_the_assignee_now_with_the_question(desk, store, clock):
    start = await asked(desk, clock)
    clock.advance(minutes=7)

    outcome = await desk.nudge(Nudge("s1", 1))

    assert outcome is Outcome.DONE
    (nudge,) = store.posted_to("m1", NoticeKind.NUDGE)
    assert nudge.address == M1
    assert nudge.ticket_id == 1
    assert nudge.buttons == BUTTONS
    assert nudge.params == {
        "ticket": 1,
        "retailer": "张三",
        "shop": "张三烟酒店",
        "waited": 7 * 60,
        "question": QUESTION,
        "supervisor": "陈主任",
    }
    (event,) = store.events_of(EventKind.NUDGED)
    assert (event.actor, event.target, event.round, event.at) == (
        "s1",
        "m1",
        0,
        start + timedelta(minutes=7),
    )


async def test_a_nudge_leaves_the_ladder_where_it_was(desk, store, clock, escalator):
    start = await asked(desk, clock)
    before = store.tickets[1]
    clock.advance(minutes=7)

    await desk.nudge(Nudge("s1", 1))

    assert store.tickets[1] == before
    await fire_at(escalator, clock, start, 14.9)
    assert ladder(store) == []
    await fire_at(escalator, clock, start, 15)
    await fire_at(escalator, clock, start, 30)
    assert ladder(store) == [("m1", NoticeKind.REMINDER, 0), ("m2", NoticeKind.ESCALATION, 1)]


async def test_a_second_nudge_within_five_minutes_is_refused(desk, store, clock):
    await asked(desk, clock)
    await desk.nudge(Nudge("s1", 1))
    clock.advance(minutes=4, seconds=59)

    assert await desk.nudge(Nudge("s1", 1)) is Outcome.NUDGED_RECENTLY
    assert len(store.posted_to("m1", NoticeKind.NUDGE)) == 1
    assert len(store.events_of(EventKind.NUDGED)) == 1

    clock.advance(seconds=1)
    assert await desk.nudge(Nudge("s1", 1)) is Outcome.DONE
    assert len(store.posted_to("m1", NoticeKind.NUDGE)) == 2


@pytest.mark.parametrize("staff", ["m1", "m2", "s2", "r1", "nobody"])
async def test_only_the_managers_supervisor_may_nudge_or_reassign(desk, store, clock, staff):
    await asked(desk, clock)
    posted = len(store.posted)

    assert await desk.nudge(Nudge(staff, 1)) is Outcome.NOT_YOURS
    assert await desk.reassign(Reassign(staff, 1, "m2", "太忙")) is Outcome.NOT_YOURS
    assert len(store.posted) == posted
    assert store.tickets[1].manager_id == "m1"


async def test_an_unknown_or_closed_ticket_is_not_a_ticket(desk, store, clock):
    await asked(desk, clock)
    assert await desk.nudge(Nudge("s1", 2)) is Outcome.NOT_A_TICKET
    assert await desk.resolve(Resolve("m1", 1)) is Outcome.DONE

    assert await desk.nudge(Nudge("s1", 1)) is Outcome.NOT_A_TICKET
    assert await desk.reassign(Reassign("s1", 1, "m2", "太忙")) is Outcome.NOT_A_TICKET


async def test_an_answered_ticket_has_nothing_to_nudge_or_hand_over(desk, store, clock):
    await asked(desk, clock)
    (question,) = store.posted_to("m1", NoticeKind.QUESTION)
    store.deliver_all()
    await desk.answer(Answer("m1", M1, store.message_id_of(question), said("周四到。", M1)))

    assert await desk.nudge(Nudge("s1", 1)) is Outcome.NOTHING_WAITING
    assert await desk.reassign(Reassign("s1", 1, "m2", "太忙")) is Outcome.NOTHING_WAITING
    assert store.events_of(EventKind.NUDGED) == []


# --- Reassign ----------------------------------------------------------------------------


async def test_reassigning_gives_the_ticket_to_the_new_manager(desk, store, clock):
    start = await asked(desk, clock)
    clock.advance(minutes=20)

    outcome = await desk.reassign(Reassign("s1", 1, "m2", "  李经理 今天\n在外地 "))

    assert outcome is Outcome.DONE
    ticket = store.tickets[1]
    assert (ticket.manager_id, ticket.home_manager_id) == ("m2", "m1")
    # The retailer's wait still counts from their question; the rungs from now.
    assert ticket.waiting_since == start
    assert ticket.reassigned_at == clock.now()
    assert (ticket.last_step, ticket.next_due_at) == (-1, clock.now() + timedelta(minutes=15))
    (event,) = store.events_of(EventKind.REASSIGNED)
    assert (event.actor, event.target, event.round) == ("s1", "m2", 0)
    assert event.detail == {"from": "m1", "reason": "李经理 今天 在外地"}


async def test_the_new_manager_gets_the_question_and_the_others_are_told(desk, store, clock):
    await asked(desk, clock)
    clock.advance(minutes=20)

    await desk.reassign(Reassign("s1", 1, "m2", "在外地"))

    (given,) = store.posted_to("m2", NoticeKind.REASSIGNED)
    assert given.address == M2
    assert given.ticket_id == 1
    assert given.buttons == BUTTONS
    assert given.params == {
        "ticket": 1,
        "retailer": "张三",
        "shop": "张三烟酒店",
        "waited": 20 * 60,
        "question": QUESTION,
        "supervisor": "陈主任",
        "previous": "李经理",
        "manager": "王经理",
        "reason": "在外地",
    }
    (taken,) = store.posted_to("m1", NoticeKind.REASSIGNED_AWAY)
    assert taken.address == M1
    assert taken.params == {
        "ticket": 1,
        "retailer": "张三",
        "shop": "张三烟酒店",
        "supervisor": "陈主任",
        "manager": "王经理",
        "reason": "在外地",
    }
    (told,) = store.posted_to("r1", NoticeKind.MANAGER_CHANGED)
    assert told.address == R1
    assert told.params == {"ticket": 1, "manager": "王经理"}


async def test_the_new_manager_answers_by_replying_and_the_retailer_gets_it(desk, store, clock):
    await asked(desk, clock)
    await desk.reassign(Reassign("s1", 1, "m2", "在外地"))
    store.deliver_all()
    (given,) = store.posted_to("m2", NoticeKind.REASSIGNED)
    clock.advance(minutes=3)

    outcome = await desk.answer(Answer("m2", M2, store.message_id_of(given), said("明天到。", M2)))

    assert outcome is Outcome.DONE
    (answer,) = store.posted_to("r1", NoticeKind.ANSWER)
    assert answer.params == {"staff": "王经理", "text": "明天到。"}
    (answered,) = store.events_of(EventKind.ANSWERED)
    assert (answered.actor, answered.target, answered.seconds) == ("m2", "m2", 3 * 60)


async def test_the_new_manager_answers_by_number_and_presses_the_buttons(desk, store, clock):
    await asked(desk, clock)
    await desk.reassign(Reassign("s1", 1, "m2", "在外地"))

    assert await desk.may_act("m2", 1) is Outcome.DONE
    assert await desk.may_act("m1", 1) is Outcome.NOT_YOURS
    assert await desk.on_it(OnIt("m1", 1, 30)) is Outcome.NOT_YOURS
    outcome = await desk.answer_ticket(AnswerTicket("m2", 1, said("明天到。", M2)))

    assert outcome is Outcome.DONE
    assert [n.params["staff"] for n in store.posted_to("r1", NoticeKind.ANSWER)] == ["王经理"]


async def test_the_retailers_next_message_reaches_the_new_manager(desk, store, clock):
    await asked(desk, clock)
    await desk.reassign(Reassign("s1", 1, "m2", "在外地"))
    store.deliver_all()
    clock.advance(minutes=1)

    await desk.ask(Ask(R1, said("要两条。", message_id=2)))
    store.deliver_all()

    (followup,) = store.posted_to("m2", NoticeKind.FOLLOWUP)
    assert followup.params["text"] == "要两条。"
    assert store.posted_to("m1", NoticeKind.FOLLOWUP) == []


async def test_the_ladder_restarts_for_the_new_manager_and_spares_the_old(
    desk, store, clock, escalator
):
    start = await asked(desk, clock)
    await fire_at(escalator, clock, start, 15)
    clock.set(start + timedelta(minutes=20))
    await desk.reassign(Reassign("s1", 1, "m2", "在外地"))

    # The rungs count again from minute 20: the reminder at 35, not at the old 30's backup.
    await fire_at(escalator, clock, start, 34.9)
    assert ladder(store) == [("m1", NoticeKind.REMINDER, 0)]
    await fire_at(escalator, clock, start, 35)
    (reminder,) = store.posted_to("m2", NoticeKind.REMINDER)
    assert (reminder.step, reminder.params["waited"]) == (0, 35 * 60)
    # m2's backup is m1, whom the ticket was taken from: that rung has nobody, and the
    # supervisor's rung hurries on.
    await fire_at(escalator, clock, start, 50)
    await fire_at(escalator, clock, start, 50)

    assert ladder(store) == [
        ("m1", NoticeKind.REMINDER, 0),
        ("m2", NoticeKind.REMINDER, 0),
        ("s1", NoticeKind.ESCALATION, 2),
    ]
    (nobody,) = store.events_of(EventKind.UNREACHABLE)
    assert (nobody.step, nobody.detail["taken_from"]) == (1, "m1")
    assert store.tickets[1].next_due_at is None


async def test_the_answer_after_a_reassignment_counts_the_whole_wait(desk, store, clock, escalator):
    start = await asked(desk, clock)
    clock.set(start + timedelta(minutes=40))
    await desk.reassign(Reassign("s1", 1, "m2", "在外地"))
    clock.set(start + timedelta(minutes=45))

    await desk.answer_ticket(AnswerTicket("m2", 1, said("明天到。", M2)))

    (answered,) = store.events_of(EventKind.ANSWERED)
    assert answered.seconds == 45 * 60
    # The next question climbs from its own moment, not from the old reassignment.
    clock.set(start + timedelta(hours=3))
    await desk.ask(Ask(R1, said("还有别的吗？", message_id=2)))
    assert store.tickets[1].next_due_at == clock.now() + timedelta(minutes=15)


async def test_an_old_on_it_promise_does_not_hold_the_new_managers_ladder(
    desk, store, clock, escalator
):
    start = await asked(desk, clock)
    await desk.on_it(OnIt("m1", 1, 120))
    clock.set(start + timedelta(minutes=10))

    await desk.reassign(Reassign("s1", 1, "m2", "在外地"))

    assert store.tickets[1].eta_until is None
    await fire_at(escalator, clock, start, 25)
    assert ladder(store) == [("m2", NoticeKind.REMINDER, 0)]
    assert store.events_of(EventKind.ETA_BROKEN) == []


async def test_a_ticket_can_go_back_to_a_manager_it_was_taken_from(desk, store, clock, escalator):
    start = await asked(desk, clock)
    await desk.reassign(Reassign("s1", 1, "m2", "在外地"))
    clock.set(start + timedelta(minutes=5))

    assert await desk.reassign(Reassign("s1", 1, "m1", "回来了")) is Outcome.DONE

    await fire_at(escalator, clock, start, 20)
    assert ladder(store) == [("m1", NoticeKind.REMINDER, 0)]


@pytest.mark.parametrize(
    ("manager", "reason", "outcome"),
    [
        ("m3", "在外地", Outcome.NOT_IN_TEAM),  # s2's manager
        ("m9", "在外地", Outcome.NOT_IN_TEAM),
        ("s1", "在外地", Outcome.NOT_IN_TEAM),
        ("m1", "在外地", Outcome.SAME_MANAGER),
        ("m2", " \n ", Outcome.NO_REASON),
        ("m2", "太" * 301, Outcome.LONG_REASON),
    ],
)
async def test_a_bad_reassignment_changes_nothing(desk, store, clock, manager, reason, outcome):
    await asked(desk, clock)
    before, posted = store.tickets[1], len(store.posted)

    assert await desk.reassign(Reassign("s1", 1, manager, reason)) is outcome
    assert store.tickets[1] == before
    assert len(store.posted) == posted
    assert store.events_of(EventKind.REASSIGNED) == []


async def test_a_reason_of_the_longest_length_is_taken(desk, store, clock):
    await asked(desk, clock)

    assert await desk.reassign(Reassign("s1", 1, "m2", "太" * 300)) is Outcome.DONE


async def test_a_manager_on_leave_cannot_be_given_the_ticket(desk, store, clock):
    await asked(desk, clock)
    await desk.go_away(Away("m2", clock.now() + timedelta(days=2), "m1"))

    assert await desk.reassign(Reassign("s1", 1, "m2", "在外地")) is Outcome.MANAGER_AWAY
    assert store.tickets[1].manager_id == "m1"


def waiting_ticket(ctx, retailer: str, manager: str, home: str) -> Ticket:
    """Return a ticket waiting since now, as the desk would open it."""
    now = ctx.clock.now()
    return with_due(Ticket(1, retailer, manager, home, now, ctx.policy, waiting_since=now))


async def test_the_supervisor_of_the_covering_manager_may_steer_too(desk, store, ctx):
    # s2's m3 is away and s1's m1 covers: either supervisor may steer the ticket.
    ticket = store.add_ticket(waiting_ticket(ctx, "r2", "m1", "m3"))

    assert await desk.nudge(Nudge("s1", ticket.id)) is Outcome.DONE
    assert await desk.nudge(Nudge("s2", ticket.id)) is Outcome.NUDGED_RECENTLY
    # Each hands it only within their own team.
    assert await desk.reassign(Reassign("s2", ticket.id, "m2", "回来了")) is Outcome.NOT_IN_TEAM
    assert await desk.reassign(Reassign("s2", ticket.id, "m3", "回来了")) is Outcome.DONE


async def test_a_retailer_without_a_chat_is_not_told_but_the_ticket_moves(desk, store, ctx):
    ticket = store.add_ticket(waiting_ticket(ctx, "r3", "m1", "m1"))

    assert await desk.reassign(Reassign("s1", ticket.id, "m2", "在外地")) is Outcome.DONE

    assert store.tickets[ticket.id].manager_id == "m2"
    assert store.posted_to("r3") == []
    assert [n.kind for n in store.posted_to("m2")] == [NoticeKind.REASSIGNED]


async def test_the_new_manager_gets_each_photo_of_the_question_itself(desk, store, clock):
    photo = Content(ContentKind.PHOTO, "这个牌子", R1, "7", file="ph-1")
    await desk.ask(Ask(R1, photo))
    clock.advance(minutes=1)
    await desk.ask(Ask(R1, said("有货吗？", message_id=8)))
    store.deliver_all()

    await desk.reassign(Reassign("s1", 1, "m2", "在外地"))

    given, copied = store.posted_to("m2")
    assert given.kind is NoticeKind.REASSIGNED
    assert given.params["question"] == "这个牌子\n有货吗？"
    assert copied.kind is NoticeKind.FOLLOWUP
    assert copied.copy_of == photo
    assert copied.params == {
        "ticket": 1,
        "retailer": "张三",
        "shop": "张三烟酒店",
        "text": "这个牌子",
        "content": "photo",
    }
    assert (copied.ticket_id, copied.buttons) == (1, BUTTONS)
    # A reply to the photo answers the retailer, as a reply to the question would.
    store.deliver_all()
    reply = said("有，明天到。", M2)
    outcome = await desk.answer(Answer("m2", M2, store.message_id_of(copied), reply))
    assert outcome is Outcome.DONE
