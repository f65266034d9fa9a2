"""Orders: a question like any other, answered by an outcome the summary keeps."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from desk.commands import Answer, Ask, Outcome
from desk.content import Content, ContentKind
from desk.notices import NoticeKind
from desk.ordering import Order, SupplyAnswer
from desk.people import Address
from desk.supply import OrderLine, RefusalReason, SupplyOutcome, brand_key, parse_order
from desk.tickets import EventKind

R1 = Address("telegram", "9001")
M1 = Address("telegram", "5001")
ORDER = OrderLine("软中华", "2条", "明早送")


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("软中华 2条 明早送", OrderLine("软中华", "2条", "明早送")),
        ("软中华2条", OrderLine("软中华", "2条", "")),
        ("软中华，两条，明早送到店里", OrderLine("软中华", "两条", "明早送到店里")),
        ("黄鹤楼1916 1条", OrderLine("黄鹤楼1916", "1条", "")),
        ("Marlboro x2 before Friday", OrderLine("Marlboro", "x2", "before Friday")),
        ("Marlboro 3 cartons today", OrderLine("Marlboro", "3 cartons", "today")),
        ("中南海 5 条", OrderLine("中南海", "5 条", "")),
        ("利群 要新版的", OrderLine("利群", "", "要新版的")),
        ("  玉溪  ", OrderLine("玉溪", "", "")),
    ],
)
def test_an_order_line_reads_brand_quantity_and_note(text, line):
    assert parse_order(text) == line


@pytest.mark.parametrize("text", ["", "   ", "，，", "牌" * 101])
def test_an_order_without_a_readable_brand_is_refused(text):
    assert parse_order(text) is None


def test_brands_group_regardless_of_case_and_spacing():
    assert brand_key(" Marlboro  Gold ") == brand_key("marlboro gold")


async def ordered(desk) -> None:
    assert await desk.order(Order(R1, ORDER)) is Outcome.DONE


async def test_an_order_opens_the_ticket_and_reaches_the_manager_with_outcome_buttons(
    desk, store, clock
):
    await ordered(desk)

    (ack,) = store.posted_to("r1")
    assert ack.kind is NoticeKind.SUPPLY_ACK
    assert ack.params["due"] == (clock.now() + timedelta(minutes=15)).isoformat()
    (request,) = store.posted_to("m1")
    assert request.kind is NoticeKind.SUPPLY
    assert (request.params["brand"], request.params["quantity"]) == ("软中华", "2条")
    assert request.params["note"] == "明早送"
    assert [b.data for b in request.buttons] == ["sup:1:ok", "sup:1:part", "sup:1:oos", "sup:1:no"]
    ticket = store.tickets[1]
    assert ticket.waiting_since == clock.now()
    assert ticket.next_due_at == clock.now() + timedelta(minutes=15)
    assert store.messages[0].content.text == "🛒 软中华 · 2条 · 明早送"
    assert store.supply[1].line == ORDER


async def test_an_order_joins_the_open_ticket(desk, store):
    await desk.ask(Ask(R1, Content(ContentKind.TEXT, "你好", Address("telegram", "9001"), "1")))
    await ordered(desk)

    assert list(store.tickets) == [1]
    assert store.supply[1].ticket_id == 1


async def test_an_order_on_an_overdue_ticket_promises_no_time_already_past(
    desk, store, clock, escalator
):
    await desk.ask(Ask(R1, Content(ContentKind.TEXT, "在吗？", Address("telegram", "9001"), "1")))
    clock.advance(minutes=40)
    for _ in range(2):  # the reminder to m1, then the backup m2
        await escalator.fire_due()

    await ordered(desk)

    (ack,) = store.posted_to("r1", NoticeKind.SUPPLY_ACK)
    assert ack.params["variant"] == "overdue"
    assert ack.params["notified"] == ["李经理", "王经理"]


async def test_out_of_stock_names_the_local_restock_date_and_stops_the_clock(desk, store, clock):
    await ordered(desk)
    # 23:30 in Shanghai: "in 3 days" counts from the local date, not from UTC's.
    clock.set(clock.now().replace(hour=15, minute=30))

    answer = SupplyAnswer("m1", 1, SupplyOutcome.OUT_OF_STOCK, restock_days=3)
    assert await desk.answer_supply(answer) is Outcome.DONE

    request = store.supply[1]
    assert request.outcome is SupplyOutcome.OUT_OF_STOCK
    assert request.expected == date(2026, 11, 20)
    (told,) = store.posted_to("r1", NoticeKind.SUPPLY_ANSWER)
    assert told.params["variant"] == "out_of_stock"
    assert told.params["expected"] == "2026-11-20"
    (answered,) = store.events_of(EventKind.ANSWERED)
    assert answered.actor == "m1"
    assert store.tickets[1].waiting_since is None
    assert store.ratings[1].due_at == clock.now() + timedelta(hours=24)


async def test_out_of_stock_without_a_date_says_so(desk, store):
    await ordered(desk)
    await desk.answer_supply(SupplyAnswer("m1", 1, SupplyOutcome.OUT_OF_STOCK, restock_days=0))

    (told,) = store.posted_to("r1", NoticeKind.SUPPLY_ANSWER)
    assert told.params["variant"] == "out_of_stock_open"
    assert store.supply[1].expected is None


@pytest.mark.parametrize("reason", list(RefusalReason))
async def test_a_refusal_carries_its_reason(desk, store, reason):
    await ordered(desk)
    await desk.answer_supply(SupplyAnswer("m1", 1, SupplyOutcome.REFUSED, reason=reason))

    (told,) = store.posted_to("r1", NoticeKind.SUPPLY_ANSWER)
    assert told.params["variant"] == f"refused.{reason.value}"
    assert store.supply[1].reason is reason


async def test_a_later_outcome_replaces_the_earlier_one(desk, store, clock):
    await ordered(desk)
    await desk.answer_supply(SupplyAnswer("m1", 1, SupplyOutcome.OUT_OF_STOCK, restock_days=1))
    first = clock.now()
    clock.advance(days=1)
    await desk.answer_supply(SupplyAnswer("m1", 1, SupplyOutcome.FULFILLED))

    request = store.supply[1]
    assert (request.outcome, request.expected) == (SupplyOutcome.FULFILLED, None)
    assert (request.answered_at, request.outcome_at) == (first, clock.now())
    assert len(store.events_of(EventKind.ANSWERED)) == 1


async def test_only_the_tickets_manager_answers_an_order(desk, store):
    await ordered(desk)

    assert await desk.may_answer_supply("m2", 1) is Outcome.NOT_YOURS
    assert await desk.may_answer_supply("m1", 1) is Outcome.DONE
    assert await desk.may_answer_supply("m1", 9) is Outcome.NOT_A_TICKET
    refused = SupplyAnswer("m2", 1, SupplyOutcome.REFUSED)
    assert await desk.answer_supply(refused) is Outcome.NOT_YOURS
    assert store.supply[1].outcome is None


async def test_a_free_answer_by_reply_is_relayed_and_leaves_the_outcome_open(desk, store):
    await ordered(desk)
    (request,) = store.posted_to("m1", NoticeKind.SUPPLY)

    reply = Answer("m1", M1, store.message_id_of(request), Content(ContentKind.TEXT, "下午打给您"))
    assert await desk.answer(reply) is Outcome.DONE

    assert store.posted_to("r1", NoticeKind.ANSWER)
    assert store.supply[1].outcome is None
    assert store.tickets[1].waiting_since is None
