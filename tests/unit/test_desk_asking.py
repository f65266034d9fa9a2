"""A retailer asks: the ticket opens, the retailer is acknowledged, the manager is told."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from desk.commands import Ask, Inbound, Outcome
from desk.content import Content, ContentKind
from desk.notices import Button, NoticeKind
from desk.people import Address, Retailer
from desk.tickets import EventKind

SHANGHAI = ZoneInfo("Asia/Shanghai")
R1 = Address("telegram", "9001")
STRANGER = Address("telegram", "4242")


def said(text: str, message_id: int = 1) -> Content:
    """Return a text message from r1's chat."""
    return Content(ContentKind.TEXT, text, R1, str(message_id))


async def test_first_message_opens_a_ticket_for_the_retailers_manager(desk, store, clock):
    outcome = await desk.ask(Ask(R1, said("中华烟什么时候到货？")))

    assert outcome is Outcome.DONE
    (ticket,) = store.tickets.values()
    assert (ticket.retailer_id, ticket.manager_id, ticket.home_manager_id) == ("r1", "m1", "m1")
    assert ticket.opened_at == ticket.waiting_since == clock.now()
    assert ticket.next_due_at == clock.now() + timedelta(minutes=15)
    assert ticket.off_hours is False
    assert [(e.kind, e.actor) for e in store.events] == [
        (EventKind.OPENED, "r1"),
        (EventKind.ASKED, "r1"),
    ]
    assert store.events[0].target == "m1"
    (message,) = store.messages
    assert (message.author_id, message.from_retailer) == ("r1", True)
    assert message.content.text == "中华烟什么时候到货？"


async def test_retailer_is_acknowledged_with_the_manager_and_the_time_of_the_answer(
    desk, store, clock
):
    await desk.ask(Ask(R1, said("中华烟什么时候到货？")))

    (ack,) = store.posted_to("r1")
    assert ack.kind is NoticeKind.ACK
    assert ack.address == R1
    assert ack.lang == "zh"
    assert ack.params == {
        "ticket": 1,
        "manager": "李经理",
        "due": (clock.now() + timedelta(minutes=15)).isoformat(),
    }


async def test_manager_gets_the_question_with_on_it_and_resolve_buttons(desk, store):
    await desk.ask(Ask(R1, said("中华烟什么时候到货？")))

    (question,) = store.posted_to("m1")
    assert question.kind is NoticeKind.QUESTION
    assert question.address == Address("telegram", "5001")
    assert question.ticket_id == 1
    assert question.params == {
        "ticket": 1,
        "retailer": "张三",
        "shop": "张三烟酒店",
        "text": "中华烟什么时候到货？",
        "content": "text",
    }
    assert question.buttons == (Button("button.on_it", "on:1"), Button("button.resolve", "res:1"))
    assert question.copy_of is None


async def test_button_data_carries_nothing_but_the_ticket_id(desk, store):
    await desk.ask(Ask(R1, said("有新品吗？")))

    (question,) = store.posted_to("m1")
    for button in question.buttons:
        action, ticket_id = button.data.split(":")
        assert action in {"on", "res"}
        assert ticket_id == "1"


async def test_follow_up_joins_the_same_ticket_without_a_second_ack(desk, store, clock):
    await desk.ask(Ask(R1, said("中华烟什么时候到货？", 1)))
    first = store.tickets[1]
    clock.advance(minutes=3)

    outcome = await desk.ask(Ask(R1, said("要两条。", 2)))

    assert outcome is Outcome.DONE
    assert list(store.tickets) == [1]
    assert [(n.to, n.kind) for n in store.posted] == [
        ("r1", NoticeKind.ACK),
        ("m1", NoticeKind.QUESTION),
        ("m1", NoticeKind.FOLLOWUP),
    ]
    assert store.posted[-1].params["text"] == "要两条。"
    # The clock keeps running from the oldest unanswered message.
    assert store.tickets[1].waiting_since == first.waiting_since
    assert store.tickets[1].next_due_at == first.next_due_at
    assert [m.content.text for m in store.messages] == ["中华烟什么时候到货？", "要两条。"]


async def test_a_redelivered_update_is_applied_once(desk, store):
    update = Inbound("telegram", 777)

    first = await desk.ask(Ask(R1, said("在吗？"), update))
    again = await desk.ask(Ask(R1, said("在吗？"), update))

    assert (first, again) == (Outcome.DONE, Outcome.REPEATED)
    assert len(store.posted) == 2
    assert len(store.messages) == 1
    assert len(store.events_of(EventKind.ASKED)) == 1


async def test_different_updates_with_the_same_text_are_both_taken(desk, store):
    await desk.ask(Ask(R1, said("在吗？"), Inbound("telegram", 1)))
    await desk.ask(Ask(R1, said("在吗？"), Inbound("telegram", 2)))

    assert len(store.messages) == 2


async def test_a_stranger_is_told_nothing_and_nothing_is_opened(desk, store):
    outcome = await desk.ask(
        Ask(STRANGER, Content(ContentKind.TEXT, "你好", STRANGER, str(1)), Inbound("telegram", 5))
    )

    assert outcome is Outcome.UNKNOWN_SENDER
    assert store.posted == []
    assert store.tickets == {}
    assert store.events == []


async def test_media_reaches_the_manager_as_a_copy_of_the_original(desk, store):
    photo = Content(ContentKind.PHOTO, "货架这样摆可以吗？", R1, str(31))

    await desk.ask(Ask(R1, photo))

    (question,) = store.posted_to("m1")
    assert question.copy_of == photo
    assert question.params["content"] == "photo"
    assert question.params["text"] == "货架这样摆可以吗？"


async def test_a_follow_up_photo_is_copied_too(desk, store):
    await desk.ask(Ask(R1, said("看看这个")))
    voice = Content(ContentKind.VOICE, "", R1, str(32))

    await desk.ask(Ask(R1, voice))

    (followup,) = store.posted_to("m1", NoticeKind.FOLLOWUP)
    assert followup.copy_of == voice


async def test_a_question_at_three_at_night_is_marked_off_hours(desk, store, clock):
    clock.set(datetime(2026, 11, 18, 3, 0, tzinfo=SHANGHAI))

    await desk.ask(Ask(R1, said("明早能送货吗？")))

    assert store.tickets[1].off_hours is True


@pytest.mark.parametrize(
    ("local", "off_hours"),
    [
        (datetime(2026, 11, 17, 8, 59, tzinfo=SHANGHAI), True),
        (datetime(2026, 11, 17, 9, 0, tzinfo=SHANGHAI), False),
        (datetime(2026, 11, 17, 17, 59, tzinfo=SHANGHAI), False),
        (datetime(2026, 11, 17, 18, 0, tzinfo=SHANGHAI), True),
        (datetime(2026, 11, 21, 11, 0, tzinfo=SHANGHAI), True),  # a Saturday
    ],
)
async def test_off_hours_follow_the_managers_working_hours(desk, store, clock, local, off_hours):
    clock.set(local)

    await desk.ask(Ask(R1, said("请问")))

    assert store.tickets[1].off_hours is off_hours


async def test_an_ask_that_fails_midway_leaves_no_trace_and_can_be_retried(desk, store):
    store.add_retailer(
        Retailer(
            "r9", "赵六", "赵六商店", "13800138009", "m9", contacts=(Address("telegram", "9009"),)
        )
    )
    orphan = Address("telegram", "9009")
    update = Inbound("telegram", 900)

    with pytest.raises(KeyError):
        await desk.ask(
            Ask(
                orphan,
                Content(ContentKind.TEXT, "有人吗", Address("telegram", "9009"), "1"),
                update,
            )
        )

    assert store.tickets == {}
    assert store.events == []
    assert store.messages == []
    assert store.posted == []
    assert ("telegram", 900) not in store.settled
