"""Ratings: asked once per ticket, given once by its own retailer, a low one alerts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from desk.commands import Answer, Ask, Inbound, Outcome, Resolve
from desk.content import Content, ContentKind
from desk.feedback import Comment, Rate
from desk.notices import NoticeKind
from desk.people import Address
from desk.service import Desk

R1 = Address("telegram", "9001")
R2 = Address("telegram", "9002")
M1 = Address("telegram", "5001")


def said(text: str, chat: Address, message_id: int = 1) -> Content:
    """Return a text message from a chat."""
    return Content(ContentKind.TEXT, text, chat, str(message_id))


async def asked_and_answered(desk: Desk, store, clock) -> None:
    """Let r1 ask and m1 answer ten minutes later."""
    await desk.ask(Ask(R1, said("这批烟受潮了怎么办？", R1)))
    (question,) = store.posted_to("m1", NoticeKind.QUESTION)
    clock.advance(minutes=10)
    reply = said("您先放在干燥处，我明天过来换。", M1)
    assert await desk.answer(Answer("m1", M1, store.message_id_of(question), reply)) is Outcome.DONE


async def test_resolving_asks_the_retailer_to_rate_at_once(desk, store, clock):
    await asked_and_answered(desk, store, clock)

    assert await desk.resolve(Resolve("m1", 1)) is Outcome.DONE

    (ask,) = store.posted_to("r1", NoticeKind.RATE_ASK)
    assert ask.params == {"ticket": 1, "manager": "李经理"}
    assert [b.data for b in ask.buttons] == [f"rate:1:{s}" for s in range(1, 6)]
    assert [b.label for b in ask.buttons] == [f"button.rate{s}" for s in range(1, 6)]
    assert store.ratings[1].asked_at == clock.now()


async def test_a_day_after_the_last_answer_the_alarm_asks_once(desk, store, clock, escalator):
    await asked_and_answered(desk, store, clock)
    answered = clock.now()
    assert await escalator.earliest_due() == answered + timedelta(hours=24)

    clock.set(answered + timedelta(hours=23, minutes=59))
    await escalator.fire_due()
    assert store.posted_to("r1", NoticeKind.RATE_ASK) == []
    clock.set(answered + timedelta(hours=24))
    await escalator.fire_due()
    await escalator.fire_due()
    await desk.resolve(Resolve("m1", 1))

    assert len(store.posted_to("r1", NoticeKind.RATE_ASK)) == 1
    assert await escalator.earliest_due() is None


async def test_a_later_answer_moves_the_request_a_day_after_it(desk, store, clock, escalator):
    await asked_and_answered(desk, store, clock)
    clock.advance(hours=20)
    await desk.ask(Ask(R1, said("还有一个问题", R1, 2)))
    clock.advance(minutes=5)
    (follow_up,) = store.posted_to("m1", NoticeKind.QUESTION)[-1:]
    await desk.answer(Answer("m1", M1, store.message_id_of(follow_up), said("好的", M1, 2)))

    assert await escalator.earliest_due() == clock.now() + timedelta(hours=24)


async def test_a_retailer_waiting_again_is_not_asked_until_the_next_answer(
    desk, store, clock, escalator
):
    await asked_and_answered(desk, store, clock)
    clock.advance(hours=23)
    await desk.ask(Ask(R1, said("还在吗？", R1, 2)))
    clock.advance(hours=1)
    store.deliver_all()

    await escalator.fire_due()

    assert store.posted_to("r1", NoticeKind.RATE_ASK) == []
    assert store.ratings[1].due_at is None


async def rated(desk: Desk, store, clock, score: int) -> Outcome:
    await asked_and_answered(desk, store, clock)
    await desk.resolve(Resolve("m1", 1))
    return await desk.rate(Rate(R1, 1, score))


async def test_a_good_score_is_stored_and_thanked_without_alerting_anyone(desk, store, clock):
    assert await rated(desk, store, clock, 5) is Outcome.DONE

    rating = store.ratings[1]
    assert (rating.score, rating.manager_id, rating.rated_at) == (5, "m1", clock.now())
    (thanks,) = store.posted_to("r1", NoticeKind.RATED)
    assert [b.data for b in thanks.buttons] == ["rcm:1"]
    assert store.posted_to("s1") == []


@pytest.mark.parametrize("score", [1, 2])
async def test_a_low_score_alerts_the_supervisor_with_the_conversation(desk, store, clock, score):
    assert await rated(desk, store, clock, score) is Outcome.DONE

    (alert,) = store.posted_to("s1", NoticeKind.LOW_RATING)
    assert alert.params["score"] == score
    assert alert.params["manager"] == "李经理"
    assert (alert.params["retailer"], alert.params["shop"]) == ("张三", "张三烟酒店")
    assert alert.params["conversation"].splitlines() == [
        "11-17 10:00 张三：这批烟受潮了怎么办？",
        "11-17 10:10 李经理：您先放在干燥处，我明天过来换。",
    ]
    assert store.posted_to("m1", NoticeKind.LOW_RATING) == []


async def test_three_is_not_low(desk, store, clock):
    await rated(desk, store, clock, 3)
    assert store.posted_to("s1") == []


async def test_a_ticket_is_rated_once(desk, store, clock):
    await rated(desk, store, clock, 4)

    assert await desk.rate(Rate(R1, 1, 1)) is Outcome.ALREADY_RATED
    assert store.ratings[1].score == 4
    assert store.posted_to("s1") == []


async def test_only_the_tickets_own_retailer_can_rate_it(desk, store, clock):
    await asked_and_answered(desk, store, clock)
    await desk.resolve(Resolve("m1", 1))

    assert await desk.rate(Rate(R2, 1, 1)) is Outcome.NOT_YOURS
    assert await desk.rate(Rate(Address("telegram", "5001"), 1, 1)) is Outcome.NOT_YOURS
    assert store.ratings[1].score is None


async def test_no_rating_before_it_is_asked_for(desk, store, clock):
    await asked_and_answered(desk, store, clock)

    assert await desk.rate(Rate(R1, 1, 5)) is Outcome.NOT_ASKED
    assert await desk.rate(Rate(R1, 99, 5)) is Outcome.NOT_YOURS


async def test_a_pressed_score_applies_once_even_when_redelivered(desk, store, clock):
    await asked_and_answered(desk, store, clock)
    await desk.resolve(Resolve("m1", 1))
    source = Inbound("telegram", 501)

    assert await desk.rate(Rate(R1, 1, 2, source)) is Outcome.DONE
    assert await desk.rate(Rate(R1, 1, 2, source)) is Outcome.REPEATED
    assert len(store.posted_to("s1", NoticeKind.LOW_RATING)) == 1


async def test_a_comment_on_a_low_score_reaches_the_supervisor_too(desk, store, clock):
    await rated(desk, store, clock, 1)

    assert await desk.want_comment(R1, 1) is Outcome.DONE
    assert store.retailers["r1"].awaiting == "comment:1"
    assert await desk.comment(Comment(R1, 1, "态度冷淡，问了三次才回。")) is Outcome.DONE

    assert store.ratings[1].comment == "态度冷淡，问了三次才回。"
    assert store.retailers["r1"].awaiting is None
    first, second = store.posted_to("s1", NoticeKind.LOW_RATING)
    assert "variant" not in first.params
    assert second.params["variant"] == "comment"
    assert second.params["comment"] == "态度冷淡，问了三次才回。"
    assert await desk.want_comment(R1, 1) is Outcome.ALREADY_RATED
    assert await desk.comment(Comment(R1, 1, "再说一句")) is Outcome.ALREADY_RATED


async def test_no_comment_before_a_score(desk, store, clock):
    await asked_and_answered(desk, store, clock)
    await desk.resolve(Resolve("m1", 1))

    assert await desk.want_comment(R1, 1) is Outcome.NOT_ASKED
    assert await desk.want_comment(R2, 1) is Outcome.NOT_YOURS
