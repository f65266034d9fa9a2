"""A complaint is a conversation: what the retailer sends in it never reaches their manager."""

from __future__ import annotations

from datetime import timedelta

from desk.commands import Answer, Ask, Inbound, Outcome, Resolve
from desk.complaining import CloseComplaint
from desk.content import MAX_TEXT, Content, ContentKind
from desk.conversation import BackToManager, Choose, Receive
from desk.feedback import Rate
from desk.notices import NoticeKind
from desk.ordering import Order
from desk.people import Address
from desk.prompts import Awaited, Expect, Expectation
from desk.service import Desk
from desk.supply import parse_order
from escalation.engine import Escalator

R1 = Address("telegram", "9001")
S1 = Address("telegram", "7001")
M1 = Address("telegram", "5001")
MANAGERS = ("m1", "m2")
QUIET = timedelta(hours=2)


def said(
    text: str, message_id: int = 1, chat: Address = R1, kind: ContentKind = ContentKind.TEXT
) -> Content:
    """Return a message from a chat, the retailer's by default."""
    return Content(kind, text, chat, str(message_id))


def heard_by_managers(store) -> list:
    """Return every notice ever posted to a manager."""
    return [n for n in store.posted if n.to in MANAGERS]


async def start_complaint(desk: Desk) -> None:
    """Press 🔒 and write the first message of a complaint."""
    assert await desk.expect(Expect(R1, Expectation(Awaited.COMPLAINT))) is Outcome.DONE
    assert await desk.receive(Receive(R1, said("李经理说软中华没货。"))) is Outcome.CONFIDENTIAL


async def test_every_message_after_the_first_joins_the_complaint(desk, store, clock):
    await start_complaint(desk)
    # An album arrives as one message per photo; a follow-up comes without a reply.
    for n in range(2, 5):
        album_photo = said("" if n > 2 else "证据", n, kind=ContentKind.PHOTO)
        assert await desk.receive(Receive(R1, album_photo)) is Outcome.CONFIDENTIAL
    clock.advance(minutes=100)
    assert await desk.receive(Receive(R1, said("还有，他上周骂了我", 5))) is Outcome.CONFIDENTIAL
    voice = said("", 6, kind=ContentKind.VOICE)
    assert await desk.receive(Receive(R1, voice)) is Outcome.CONFIDENTIAL

    to_supervisor = store.posted_to("s1", NoticeKind.COMPLAINT)
    assert len(to_supervisor) == 6
    assert [n.copy_of.message for n in to_supervisor if n.copy_of] == ["2", "3", "4", "6"]
    assert heard_by_managers(store) == []
    assert store.tickets == {}
    # One acknowledgement per burst: the album's photos do not each get one.
    assert len(store.posted_to("r1", NoticeKind.COMPLAINT_ACK)) == 2


async def test_a_text_too_long_for_a_question_joins_the_complaint_whole(desk, store):
    await start_complaint(desk)
    long_text = "他" * (MAX_TEXT + 1500)

    assert await desk.receive(Receive(R1, said(long_text, 2))) is Outcome.CONFIDENTIAL

    parts = store.posted_to("s1", NoticeKind.COMPLAINT)[1:]
    assert len(parts) > 1
    assert "".join(n.params["text"] for n in parts) == long_text
    assert heard_by_managers(store) == []


async def test_a_long_question_outside_a_complaint_is_still_refused(desk, store):
    long_text = "货" * (MAX_TEXT + 1)

    assert await desk.receive(Receive(R1, said(long_text))) is Outcome.TOO_LONG
    assert store.posted == []


async def test_done_sends_the_next_message_to_the_manager(desk, store):
    await start_complaint(desk)

    assert await desk.back_to_manager(BackToManager(R1)) is Outcome.DONE
    (left,) = store.posted_to("r1", NoticeKind.COMPLAINT_LEFT)
    assert left.params == {"manager": "李经理", "supervisor": "陈主任"}
    assert await desk.back_to_manager(BackToManager(R1)) is Outcome.NOTHING_WAITING
    assert await desk.receive(Receive(R1, said("明天送货吗？", 2))) is Outcome.DONE
    (question,) = heard_by_managers(store)
    assert question.params["text"] == "明天送货吗？"


async def test_a_slow_writer_stays_in_the_conversation(desk, store, clock):
    await start_complaint(desk)

    clock.set(clock.now() + QUIET - timedelta(seconds=1))
    assert await desk.receive(Receive(R1, said("补充一句", 2))) is Outcome.CONFIDENTIAL
    clock.set(clock.now() + QUIET - timedelta(seconds=1))
    assert await desk.receive(Receive(R1, said("再补充一句", 3))) is Outcome.CONFIDENTIAL
    assert heard_by_managers(store) == []


async def test_after_the_quiet_period_the_retailer_chooses_and_the_manager_waits(
    desk, store, clock
):
    await start_complaint(desk)
    ended = clock.now() + QUIET
    clock.set(clock.now() + QUIET + timedelta(minutes=10))

    assert await desk.receive(Receive(R1, said("他又这样了", 2))) is Outcome.HELD
    assert await desk.receive(Receive(R1, said("", 3, kind=ContentKind.PHOTO))) is Outcome.HELD
    (choice,) = store.posted_to("r1", NoticeKind.COMPLAINT_CHOICE)
    assert choice.params["until"] == ended.isoformat()
    assert choice.params["variant"] == "ended"
    assert [b.data for b in choice.buttons] == ["held:s", "held:m"]
    assert heard_by_managers(store) == []
    assert len(store.posted_to("s1", NoticeKind.COMPLAINT)) == 1

    assert await desk.choose(Choose(R1, to_supervisor=True)) is Outcome.DONE
    complaint = store.posted_to("s1", NoticeKind.COMPLAINT)
    assert [n.params["text"] for n in complaint[1:]] == ["他又这样了", ""]
    assert heard_by_managers(store) == []
    assert await desk.choose(Choose(R1, to_supervisor=True)) is Outcome.NOTHING_WAITING
    # Choosing the supervisor opens the conversation again.
    assert await desk.receive(Receive(R1, said("谢谢", 4))) is Outcome.CONFIDENTIAL


async def test_held_messages_the_retailer_sends_to_the_manager_become_a_question(
    desk, store, clock
):
    await start_complaint(desk)
    clock.set(clock.now() + QUIET + timedelta(minutes=10))
    await desk.receive(Receive(R1, said("明天送货吗？", 2)))
    await desk.receive(Receive(R1, said("要两条软中华", 3)))

    assert await desk.choose(Choose(R1, to_supervisor=False)) is Outcome.DONE

    texts = [n.params["text"] for n in heard_by_managers(store)]
    assert texts == ["明天送货吗？", "要两条软中华"]
    assert len(store.posted_to("r1", NoticeKind.ACK)) == 1
    assert await desk.receive(Receive(R1, said("在吗", 4))) is Outcome.DONE


async def test_a_held_message_waits_for_the_choice_whatever_else_is_asked(desk, store, clock):
    await start_complaint(desk)
    clock.set(clock.now() + QUIET + timedelta(minutes=1))
    await desk.receive(Receive(R1, said("?", 2)))

    assert await desk.back_to_manager(BackToManager(R1)) is Outcome.CHOOSE_FIRST
    assert await desk.cancel_expectation(R1) is Outcome.CHOOSE_FIRST
    assert await desk.expect(Expect(R1, Expectation(Awaited.ORDER))) is Outcome.CHOOSE_FIRST
    # A day later the choice is still owed: nothing is routed by guess.
    clock.advance(hours=24)
    assert await desk.receive(Receive(R1, said("??", 3))) is Outcome.HELD
    assert len(store.posted_to("r1", NoticeKind.COMPLAINT_CHOICE)) == 2
    assert heard_by_managers(store) == []


async def test_long_after_the_conversation_a_message_is_a_question_again(desk, store, clock):
    await start_complaint(desk)
    clock.set(clock.now() + QUIET * 2)

    assert await desk.receive(Receive(R1, said("明天送货吗？", 2))) is Outcome.DONE
    assert len(heard_by_managers(store)) == 1


async def test_once_the_complaint_is_closed_there_is_nothing_to_ask_about(desk, store, clock):
    await start_complaint(desk)
    assert await desk.close_complaint(CloseComplaint("s1", 1)) is Outcome.DONE
    clock.advance(minutes=5)

    assert await desk.receive(Receive(R1, said("明天送货吗？", 2))) is Outcome.DONE
    assert len(heard_by_managers(store)) == 1


async def test_the_supervisors_answer_keeps_the_follow_up_confidential(desk, store, clock):
    await start_complaint(desk)
    assert await desk.back_to_manager(BackToManager(R1)) is Outcome.DONE
    clock.advance(hours=5)
    (complaint,) = store.posted_to("s1", NoticeKind.COMPLAINT)
    answer = Answer("s1", S1, store.message_id_of(complaint), Content(ContentKind.TEXT, "收到"))
    assert await desk.answer_complaint(answer) is Outcome.DONE

    follow_up = Receive(R1, said("还有，他上周骂了我", 2), Inbound("telegram", 5))
    assert await desk.receive(follow_up) is Outcome.CONFIDENTIAL
    assert heard_by_managers(store) == []


async def test_an_order_in_the_middle_of_a_complaint_leaves_the_conversation_open(
    desk, store, clock
):
    await start_complaint(desk)
    line = parse_order("软中华 2条")
    assert line is not None
    assert await desk.order(Order(R1, line)) is Outcome.DONE

    assert store.retailers["r1"].expecting(clock.now()) == "complaint"
    assert await desk.receive(Receive(R1, said("继续说投诉", 2))) is Outcome.CONFIDENTIAL


async def test_the_complaint_ladder_does_not_reach_managers_with_held_messages(
    desk, store, clock, escalator: Escalator
):
    await start_complaint(desk)
    clock.set(clock.now() + QUIET + timedelta(minutes=1))
    await desk.receive(Receive(R1, said("?", 2)))

    for _ in range(3):
        clock.advance(hours=10)
        await escalator.fire_due()

    assert heard_by_managers(store) == []


async def test_an_order_prompt_waits_until_the_complaint_is_done(desk, store):
    await start_complaint(desk)

    order_prompt = Expect(R1, Expectation(Awaited.ORDER))
    assert await desk.expect(order_prompt) is Outcome.IN_COMPLAINT
    assert await desk.receive(Receive(R1, said("软中华 2条", 2))) is Outcome.CONFIDENTIAL
    await desk.back_to_manager(BackToManager(R1))
    assert await desk.expect(order_prompt) is Outcome.DONE


async def test_a_reply_to_the_managers_message_mid_complaint_is_asked_about(desk, store):
    await desk.receive(Receive(R1, said("有货吗？")))
    (ack,) = store.posted_to("r1", NoticeKind.ACK)
    await start_complaint(desk)

    reply = Receive(R1, said("好的", 3), reply_to=store.message_id_of(ack))
    assert await desk.receive(reply) is Outcome.HELD
    (choice,) = store.posted_to("r1", NoticeKind.COMPLAINT_CHOICE)
    assert "variant" not in choice.params  # the conversation has not ended
    assert await desk.choose(Choose(R1, to_supervisor=False)) is Outcome.DONE
    assert [n.params["text"] for n in heard_by_managers(store)] == ["有货吗？", "好的"]


# What the desk asked for is decided by the desk, whatever channel the message came through.


async def test_a_message_after_the_order_prompt_is_taken_as_the_order(desk, store):
    assert await desk.expect(Expect(R1, Expectation(Awaited.ORDER))) is Outcome.DONE

    assert await desk.receive(Receive(R1, said("软中华 2条 明早送"))) is Outcome.AWAITED

    (request,) = store.supply.values()
    assert request.line == parse_order("软中华 2条 明早送")
    (to_manager,) = store.posted_to("m1", NoticeKind.SUPPLY)
    assert to_manager.ticket_id == request.ticket_id
    # The prompt is spent: the next message is an ordinary question again.
    assert await desk.receive(Receive(R1, said("还有别的吗？", 2))) is Outcome.DONE
    assert len(store.supply) == 1


async def test_an_unreadable_order_or_a_photo_as_a_comment_is_refused_and_kept_awaited(
    desk, store, clock
):
    assert await desk.expect(Expect(R1, Expectation(Awaited.ORDER))) is Outcome.DONE
    assert await desk.receive(Receive(R1, said("   "))) is Outcome.BAD_ORDER
    assert store.supply == {}
    assert heard_by_managers(store) == []

    await desk.ask(Ask(R1, said("在吗？", 3)))
    await desk.answer(Answer("m1", M1, store.message_id_of(store.posted[-1]), said("在", 4, M1)))
    await desk.resolve(Resolve("m1", 1))
    assert await desk.rate(Rate(R1, 1, 2)) is Outcome.DONE
    assert await desk.want_comment(R1, 1) is Outcome.DONE
    photo = said("", 5, kind=ContentKind.PHOTO)
    assert await desk.receive(Receive(R1, photo)) is Outcome.TEXT_ONLY
    assert await desk.receive(Receive(R1, said("回得太慢", 6))) is Outcome.AWAITED
    assert store.ratings[1].comment == "回得太慢"
