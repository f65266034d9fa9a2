"""Staff reply to a ticket message: the retailer hears it and the latency is recorded."""

from __future__ import annotations

from dataclasses import replace

import pytest

from desk.answering import numbered
from desk.commands import Answer, AnswerTicket, Ask, Inbound, Outcome, Resolve
from desk.content import Content, ContentKind
from desk.notices import NoticeKind
from desk.people import Address
from desk.service import Desk
from desk.tickets import EventKind

R1 = Address("telegram", "9001")
R2 = Address("telegram", "9002")
M1 = Address("telegram", "5001")
M2 = Address("telegram", "5002")


def said(text: str, chat: Address, message_id: int = 1) -> Content:
    """Return a text message from a chat."""
    return Content(ContentKind.TEXT, text, chat, str(message_id))


async def retailer_asks(desk: Desk, chat: Address, text: str) -> None:
    """Let a retailer send a message."""
    assert await desk.ask(Ask(chat, said(text, chat))) is Outcome.DONE


async def test_a_reply_reaches_the_retailer(desk, store):
    await retailer_asks(desk, R1, "中华烟什么时候到货？")
    (question,) = store.posted_to("m1", NoticeKind.QUESTION)

    outcome = await desk.answer(
        Answer("m1", M1, store.message_id_of(question), said("周四到。", M1))
    )

    assert outcome is Outcome.DONE
    (answer,) = store.posted_to("r1", NoticeKind.ANSWER)
    assert answer.address == R1
    assert answer.params == {"staff": "李经理", "text": "周四到。"}
    assert answer.ticket_id == 1
    assert store.messages[-1].author_id == "m1"
    assert store.messages[-1].from_retailer is False


async def test_first_response_latency_is_recorded_and_the_clock_stops(desk, store, clock):
    await retailer_asks(desk, R1, "中华烟什么时候到货？")
    (question,) = store.posted_to("m1", NoticeKind.QUESTION)
    clock.advance(minutes=7)

    await desk.answer(Answer("m1", M1, store.message_id_of(question), said("周四到。", M1)))

    (answered,) = store.events_of(EventKind.ANSWERED)
    assert (answered.actor, answered.target) == ("m1", "m1")
    assert answered.seconds == 7 * 60
    assert answered.round == 0
    assert answered.detail == {"by_other": False}
    ticket = store.tickets[1]
    assert ticket.first_response_at == clock.now()
    assert ticket.waiting_since is None
    assert ticket.next_due_at is None
    assert ticket.round == 1
    assert ticket.is_open


async def test_a_later_round_records_the_next_reply_latency(desk, store, clock):
    await retailer_asks(desk, R1, "中华烟什么时候到货？")
    (question,) = store.posted_to("m1", NoticeKind.QUESTION)
    clock.advance(minutes=7)
    await desk.answer(Answer("m1", M1, store.message_id_of(question), said("周四到。", M1)))
    first_response_at = clock.now()
    clock.advance(hours=2)

    await retailer_asks(desk, R1, "能多给两条吗？")
    assert len(store.posted_to("r1", NoticeKind.ACK)) == 2  # a new round is acknowledged again
    (followup,) = store.posted_to("m1", NoticeKind.FOLLOWUP)
    clock.advance(minutes=4)
    await desk.answer(Answer("m1", M1, store.message_id_of(followup), said("可以。", M1, 2)))

    latencies = [(e.round, e.seconds) for e in store.events_of(EventKind.ANSWERED)]
    assert latencies == [(0, 7 * 60), (1, 4 * 60)]
    assert store.tickets[1].first_response_at == first_response_at
    assert store.tickets[1].round == 2


async def test_a_second_reply_in_the_same_round_is_relayed_but_not_timed_again(desk, store):
    await retailer_asks(desk, R1, "中华烟什么时候到货？")
    (question,) = store.posted_to("m1", NoticeKind.QUESTION)
    reply_to = store.message_id_of(question)

    await desk.answer(Answer("m1", M1, reply_to, said("周四到。", M1, 1)))
    await desk.answer(Answer("m1", M1, reply_to, said("上午到。", M1, 2)))

    assert len(store.posted_to("r1", NoticeKind.ANSWER)) == 2
    assert len(store.events_of(EventKind.ANSWERED)) == 1


async def test_a_message_id_from_another_managers_chat_is_not_a_ticket(desk, store):
    await retailer_asks(desk, R1, "中华烟什么时候到货？")
    (question,) = store.posted_to("m1", NoticeKind.QUESTION)
    only_in_m1s_chat = store.message_id_of(question)
    before = store.tickets[1]

    outcome = await desk.answer(Answer("m2", M2, only_in_m1s_chat, said("我来答", M2)))

    assert outcome is Outcome.NOT_A_TICKET
    assert store.posted_to("r1", NoticeKind.ANSWER) == []
    assert store.events_of(EventKind.ANSWERED) == []
    assert store.tickets[1] == before
    assert [m.author_id for m in store.messages] == ["r1"]


async def test_the_same_message_number_in_another_chat_belongs_to_that_chats_ticket(desk, store):
    await retailer_asks(desk, R1, "r1 的问题")
    await retailer_asks(desk, R2, "r2 的问题")
    store.deliver_all()
    (m1_question,) = store.posted_to("m1", NoticeKind.QUESTION)
    (m2_question,) = store.posted_to("m2", NoticeKind.QUESTION)
    assert store.message_id_of(m1_question) == store.message_id_of(m2_question)

    await desk.answer(Answer("m2", M2, store.message_id_of(m2_question), said("答 r2", M2)))

    (answer,) = store.posted_to("r2", NoticeKind.ANSWER)
    assert answer.ticket_id == m2_question.ticket_id
    assert store.posted_to("r1", NoticeKind.ANSWER) == []


async def test_a_reply_to_an_unknown_message_is_not_a_ticket(desk, store):
    await retailer_asks(desk, R1, "中华烟什么时候到货？")
    store.deliver_all()

    outcome = await desk.answer(Answer("m1", M1, "999", said("?", M1)))

    assert outcome is Outcome.NOT_A_TICKET
    assert store.posted_to("r1", NoticeKind.ANSWER) == []


async def test_the_backup_answering_an_escalation_is_credited(desk, store, clock, escalator):
    await retailer_asks(desk, R1, "中华烟什么时候到货？")
    clock.advance(minutes=15)
    await escalator.fire_due()
    clock.advance(minutes=15)
    await escalator.fire_due()
    (escalation,) = store.posted_to("m2", NoticeKind.ESCALATION)
    clock.advance(minutes=2)

    outcome = await desk.answer(
        Answer("m2", M2, store.message_id_of(escalation), said("我是王经理，周四到。", M2))
    )

    assert outcome is Outcome.DONE
    (answer,) = store.posted_to("r1", NoticeKind.ANSWER)
    assert answer.params["staff"] == "王经理"
    (answered,) = store.events_of(EventKind.ANSWERED)
    assert answered.actor == "m2"
    assert answered.target == "m1"
    assert answered.detail == {"by_other": True}
    assert answered.seconds == 32 * 60
    assert store.tickets[1].manager_id == "m1"


async def test_a_redelivered_reply_is_relayed_once(desk, store):
    await retailer_asks(desk, R1, "中华烟什么时候到货？")
    (question,) = store.posted_to("m1", NoticeKind.QUESTION)
    reply = Answer("m1", M1, store.message_id_of(question), said("周四到。", M1), Inbound("t", 3))

    assert await desk.answer(reply) is Outcome.DONE
    assert await desk.answer(reply) is Outcome.REPEATED

    assert len(store.posted_to("r1", NoticeKind.ANSWER)) == 1


async def test_a_media_reply_is_copied_to_the_retailer(desk, store):
    await retailer_asks(desk, R1, "陈列怎么摆？")
    (question,) = store.posted_to("m1", NoticeKind.QUESTION)
    photo = Content(ContentKind.PHOTO, "照这样摆", M1, str(12))

    await desk.answer(Answer("m1", M1, store.message_id_of(question), photo))

    (answer,) = store.posted_to("r1", NoticeKind.ANSWER)
    assert answer.copy_of == photo


async def test_a_reply_to_a_resolved_ticket_is_not_relayed(desk, store):
    await retailer_asks(desk, R1, "中华烟什么时候到货？")
    (question,) = store.posted_to("m1", NoticeKind.QUESTION)
    assert await desk.resolve(Resolve("m1", 1)) is Outcome.DONE

    late = Answer("m1", M1, store.message_id_of(question), said("其实周五到。", M1))

    assert await desk.answer(late) is Outcome.ANSWER_CLOSED
    assert store.posted_to("r1", NoticeKind.ANSWER) == []
    assert all(m.content.text != "其实周五到。" for m in store.messages)


async def test_a_reply_for_a_retailer_moved_to_another_manager_is_not_relayed(desk, store):
    await retailer_asks(desk, R1, "中华烟什么时候到货？")
    (question,) = store.posted_to("m1", NoticeKind.QUESTION)
    # The roster now gives r1 to m2.
    store.add_retailer(replace(store._state.retailers["r1"], manager_id="m2"))

    reply = Answer("m1", M1, store.message_id_of(question), said("别找别人，找我。", M1))

    assert await desk.answer(reply) is Outcome.MOVED
    assert store.posted_to("r1", NoticeKind.ANSWER) == []


async def test_the_manager_answers_by_ticket_number(desk, store, clock):
    await retailer_asks(desk, R1, "中华烟什么时候到货？")
    clock.advance(minutes=3)

    cmd = AnswerTicket("m1", 1, said("周四到。", M1))
    assert await desk.answer_ticket(cmd) is Outcome.DONE

    (answer,) = store.posted_to("r1", NoticeKind.ANSWER)
    assert answer.params == {"staff": "李经理", "text": "周四到。"}
    (answered,) = [e for e in store.events if e.kind is EventKind.ANSWERED]
    assert (answered.actor, answered.seconds) == ("m1", 180)


async def test_by_number_only_those_the_ticket_reached_may_answer(desk, store, clock, escalator):
    await retailer_asks(desk, R1, "中华烟什么时候到货？")

    # m2 is neither the ticket's manager nor told of it yet.
    assert await desk.answer_ticket(AnswerTicket("m2", 1, said("?", M2))) is Outcome.NOT_YOURS
    assert await desk.answer_ticket(AnswerTicket("m1", 99, said("?", M1))) is Outcome.NOT_A_TICKET
    clock.advance(minutes=31)
    for _ in range(2):  # the reminder, then the backup m2
        await escalator.fire_due()
    assert await desk.answer_ticket(AnswerTicket("m2", 1, said("周四到。", M2))) is Outcome.DONE
    assert len(store.posted_to("r1", NoticeKind.ANSWER)) == 1


async def test_the_supervisor_may_answer_by_number_at_any_time(desk, store):
    await retailer_asks(desk, R1, "中华烟什么时候到货？")

    assert await desk.answer_ticket(AnswerTicket("s1", 1, said("我来答", M1))) is Outcome.DONE
    await desk.resolve(Resolve("m1", 1))
    later = AnswerTicket("s1", 1, said("补充", M1))
    assert await desk.answer_ticket(later) is Outcome.ANSWER_CLOSED


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("#12 明早送到", (12, "明早送到")),
        ("＃12：好的", (12, "好的")),
        (" #7\n两行\n答复", (7, "两行\n答复")),
        ("#12", None),
        ("#12明早", None),
        ("答 #12 好", None),
        ("#abc 好", None),
    ],
)
def test_a_numbered_answer_is_read_only_in_its_own_form(text, expected):
    found = numbered(Content(ContentKind.TEXT, text))
    assert (found and (found[0], found[1].text)) == expected
