"""A message to a retailer that must wait: the manager hears of it once until the retailer writes."""

from __future__ import annotations

from desk.commands import Ask, Outcome
from desk.content import Content, ContentKind
from desk.notices import Notice, NoticeKind
from desk.people import Address

R1 = Address("telegram", "9001")


def answer(ticket: int) -> Notice:
    return Notice("r1", R1, NoticeKind.ANSWER, "zh", {"staff": "李经理", "text": "有"}, ticket)


async def ask(desk, text: str) -> None:
    assert await desk.ask(Ask(R1, Content(ContentKind.TEXT, text, R1, "1"))) is Outcome.DONE


async def test_the_manager_is_told_once_that_an_answer_waits(desk, store, clock):
    await ask(desk, "有货吗？")

    await desk.held(answer(1))
    clock.advance(minutes=5)
    await desk.held(answer(1))

    (told,) = store.posted_to("m1", NoticeKind.DELIVERY_HELD)
    assert told.params == {"ticket": 1, "retailer": "张三", "shop": "张三烟酒店"}
    assert told.ticket_id == 1


async def test_a_new_message_from_the_retailer_lets_the_next_hold_be_told(desk, store, clock):
    await ask(desk, "有货吗？")
    await desk.held(answer(1))
    clock.advance(hours=50)
    await ask(desk, "还在吗？")
    clock.advance(hours=50)

    await desk.held(answer(1), taken=True)

    first, second = store.posted_to("m1", NoticeKind.DELIVERY_HELD)
    assert "variant" not in first.params
    assert second.params["variant"] == "taken"


async def test_a_notice_without_a_ticket_tells_nobody(desk, store):
    await desk.held(Notice("r1", R1, NoticeKind.WELCOME, "zh", {"name": "张三"}))

    assert store.posted_to("m1", NoticeKind.DELIVERY_HELD) == []
