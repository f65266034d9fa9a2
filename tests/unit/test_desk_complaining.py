"""A retailer complains about their manager: only supervisors ever hear of it."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from desk.commands import Answer, Ask, Inbound, Outcome
from desk.complaining import CloseComplaint, Complain
from desk.content import Content, ContentKind
from desk.context import DeskContext
from desk.conversation import BackToManager, Receive
from desk.notices import NoticeKind
from desk.people import Address, Supervisor, Team
from desk.prompts import Awaited, Expect, Expectation
from desk.service import Desk
from escalation.engine import Escalator
from tests.unit.conftest import SHANGHAI, make_team

R1 = Address("telegram", "9001")
M1 = Address("telegram", "5001")
S1 = Address("telegram", "7001")
MANAGERS = ("m1", "m2")


def said(text: str, chat: Address, message_id: int = 1) -> Content:
    """Return a text message from a chat."""
    return Content(ContentKind.TEXT, text, chat, str(message_id))


def heard_by_managers(store) -> list:
    """Return every notice ever posted to a manager."""
    return [n for n in store.posted if n.to in MANAGERS]


async def complain(desk: Desk, text: str = "李经理说没货，可别的店都有。") -> None:
    assert await desk.complain(Complain(R1, said(text, R1))) is Outcome.DONE


async def test_a_complaint_reaches_the_supervisor_and_the_retailer_is_told_at_once(
    desk, store, clock
):
    await complain(desk)

    (ack,) = store.posted_to("r1")
    assert ack.kind is NoticeKind.COMPLAINT_ACK
    until = (clock.now() + timedelta(hours=2)).isoformat()
    assert ack.params == {"complaint": 1, "supervisor": "陈主任", "until": until}
    assert [b.data for b in ack.buttons] == ["cpdone"]
    (complaint,) = store.posted_to("s1")
    assert complaint.kind is NoticeKind.COMPLAINT
    assert complaint.params["manager"] == "李经理"
    assert complaint.params["text"] == "李经理说没货，可别的店都有。"
    assert complaint.ticket_id is None
    assert heard_by_managers(store) == []
    assert store.tickets == {}
    assert store.events == []


async def test_the_manager_hears_nothing_however_long_the_complaint_waits(
    desk, store, clock, escalator, ctx
):
    ctx.team.supervisors = {
        **ctx.team.supervisors,
        "s2": Supervisor("s2", "周主任", (Address("telegram", "7002"),)),
    }
    await complain(desk)
    filed = clock.now()

    for hours in (1, 2, 8, 24):
        clock.set(filed + timedelta(hours=hours))
        await escalator.fire_due()

    nudges = store.posted_to("s1", NoticeKind.COMPLAINT_NUDGE)
    assert [n.params["step"] for n in nudges] == [1, 2, 3]
    # The last rung widens to every supervisor, still never to a manager.
    assert [n.params["step"] for n in store.posted_to("s2")] == [3]
    assert heard_by_managers(store) == []
    assert await desk.queue("m1") == []
    assert await escalator.earliest_due() is None


async def test_the_supervisor_answers_by_reply_and_the_clock_stops(desk, store, clock):
    await complain(desk)
    (complaint,) = store.posted_to("s1", NoticeKind.COMPLAINT)
    clock.advance(minutes=40)

    reply = Answer("s1", S1, store.message_id_of(complaint), said("已了解，我来核实。", S1))
    assert await desk.answer_complaint(reply) is Outcome.DONE

    (answer,) = store.posted_to("r1", NoticeKind.COMPLAINT_REPLY)
    # The answer opens the conversation again, so what the retailer says next stays with them.
    assert answer.params == {
        "complaint": 1,
        "staff": "陈主任",
        "text": "已了解，我来核实。",
        "until": (clock.now() + timedelta(hours=2)).isoformat(),
        "variant": "open",
    }
    assert store.retailers["r1"].expecting(clock.now()) == "complaint"
    stored = store.complaints[1]
    assert (stored.waiting_since, stored.next_due_at) == (None, None)
    assert stored.first_response_at == clock.now()
    assert heard_by_managers(store) == []


async def test_a_ticket_reply_is_left_to_the_ticket_unsettled(desk, store):
    await desk.ask(Ask(R1, said("有货吗？", R1)))
    (question,) = store.posted_to("m1", NoticeKind.QUESTION)
    source = Inbound("telegram", 77)

    reply = Answer("m1", M1, store.message_id_of(question), said("有。", M1), source)
    assert await desk.answer_complaint(reply) is Outcome.NOT_A_TICKET
    assert await desk.answer(reply) is Outcome.DONE


async def test_a_manager_holding_a_complaint_message_id_still_cannot_answer_it(desk, store):
    await complain(desk)
    (complaint,) = store.posted_to("s1", NoticeKind.COMPLAINT)
    message_id = store.message_id_of(complaint)

    # The same message id in the manager's own chat is some other message.
    assert await desk.answer_complaint(Answer("m1", M1, message_id, said("?", M1))) is (
        Outcome.NOT_A_TICKET
    )
    assert await desk.answer_complaint(Answer("m1", S1, message_id, said("?", M1))) is (
        Outcome.NOT_YOURS
    )
    assert store.posted_to("r1", NoticeKind.COMPLAINT_REPLY) == []


async def test_the_retailer_replying_to_the_answer_continues_the_complaint(desk, store, clock):
    await complain(desk)
    (complaint,) = store.posted_to("s1", NoticeKind.COMPLAINT)
    await desk.answer_complaint(Answer("s1", S1, store.message_id_of(complaint), said("好", S1)))
    (answer,) = store.posted_to("r1", NoticeKind.COMPLAINT_REPLY)
    clock.advance(minutes=5)

    await desk.back_to_manager(BackToManager(R1))
    follow_up = Receive(R1, said("他今天又这样了", R1, 2), reply_to=store.message_id_of(answer))
    assert await desk.receive(follow_up) is Outcome.CONFIDENTIAL

    assert len(store.posted_to("s1", NoticeKind.COMPLAINT)) == 2
    assert store.complaints[1].waiting_since == clock.now()
    assert len(store.complaint_messages) == 3
    assert heard_by_managers(store) == []


async def test_a_reply_to_a_ticket_message_is_a_question(desk, store):
    await desk.ask(Ask(R1, said("有货吗？", R1)))
    (ack,) = store.posted_to("r1", NoticeKind.ACK)
    source = Inbound("telegram", 88)

    cmd = Receive(R1, said("还有", R1, 2), source, reply_to=store.message_id_of(ack))
    assert await desk.receive(cmd) is Outcome.DONE
    assert store.complaints == {}
    assert len(store.posted_to("m1", NoticeKind.FOLLOWUP)) == 1


async def test_closing_tells_the_retailer_and_the_next_complaint_is_new(desk, store):
    await complain(desk)

    assert await desk.close_complaint(CloseComplaint("m1", 1)) is Outcome.NOT_YOURS
    assert await desk.close_complaint(CloseComplaint("s1", 1)) is Outcome.DONE
    assert await desk.close_complaint(CloseComplaint("s1", 1)) is Outcome.CLOSED
    (closed,) = store.posted_to("r1", NoticeKind.COMPLAINT_END)
    assert closed.params == {"complaint": 1, "staff": "陈主任"}
    await complain(desk, "又来了")
    assert sorted(store.complaints) == [1, 2]


async def test_the_complaint_prompt_takes_the_next_message_and_then_lapses(desk, store, clock):
    assert await desk.expect(Expect(R1, Expectation(Awaited.COMPLAINT))) is Outcome.DONE

    (prompt,) = store.posted_to("r1", NoticeKind.PROMPT)
    assert prompt.params["variant"] == "complaint"
    assert prompt.params["supervisor"] == "陈主任"
    assert prompt.params["manager"] == "李经理"
    assert [b.data for b in prompt.buttons] == ["cancel"]
    assert store.retailers["r1"].expecting(clock.now()) == "complaint"
    # The prompt waits as long as a silence within the conversation it opens.
    assert store.retailers["r1"].expecting(clock.now() + timedelta(minutes=119)) == "complaint"
    assert store.retailers["r1"].expecting(clock.now() + timedelta(hours=2)) is None
    await complain(desk)
    assert store.retailers["r1"].expecting(clock.now()) == "complaint"


async def test_cancelling_the_prompt_makes_the_next_message_a_question_again(desk, store):
    await desk.expect(Expect(R1, Expectation(Awaited.COMPLAINT)))

    assert await desk.cancel_expectation(R1) is Outcome.DONE
    assert await desk.cancel_expectation(R1) is Outcome.NOTHING_WAITING
    assert store.retailers["r1"].awaiting is None


@pytest.fixture
def unsupervised(ctx: DeskContext) -> Desk:
    """Return a desk whose team has no supervisor at all."""
    managers = [replace(m, supervisor=None) for m in make_team().managers.values()]
    return Desk(replace(ctx, team=Team(managers, []), timezone=SHANGHAI))


async def test_without_any_supervisor_a_complaint_is_refused_and_nobody_hears_it(
    unsupervised, store
):
    assert await unsupervised.complain(Complain(R1, said("投诉", R1))) is Outcome.NO_SUPERVISOR
    prompt = Expect(R1, Expectation(Awaited.COMPLAINT))
    assert await unsupervised.expect(prompt) is Outcome.NO_SUPERVISOR
    assert store.posted == []


async def test_an_unknown_chat_cannot_complain(desk, store):
    stranger = Address("telegram", "6660001")
    assert await desk.complain(Complain(stranger, said("?", stranger))) is Outcome.UNKNOWN_SENDER
    assert store.posted == []


async def test_the_complaint_ladder_runs_beside_a_tickets_ladder_without_touching_it(
    desk, store, clock, escalator: Escalator
):
    await desk.ask(Ask(R1, said("有货吗？", R1)))
    await complain(desk)
    clock.advance(hours=2)

    for _ in range(3):  # one rung of the ticket's ladder per pass
        await escalator.fire_due()

    reminders = [n for n in heard_by_managers(store) if n.kind is not NoticeKind.QUESTION]
    assert {n.kind for n in reminders} == {NoticeKind.REMINDER, NoticeKind.ESCALATION}
    assert all("complaint" not in n.params for n in heard_by_managers(store))
    assert len(store.posted_to("s1", NoticeKind.ESCALATION)) == 1
    assert len(store.posted_to("s1", NoticeKind.COMPLAINT_NUDGE)) == 1
