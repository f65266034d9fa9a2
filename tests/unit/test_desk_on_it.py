"""The assigned manager presses 'on it' with an ETA, or resolves the ticket."""

from __future__ import annotations

from datetime import timedelta

from desk.commands import Answer, Ask, Inbound, OnIt, Outcome, Resolve
from desk.content import Content, ContentKind
from desk.notices import NoticeKind
from desk.people import Address
from desk.tickets import EventKind, TicketStatus

R1 = Address("telegram", "9001")
M1 = Address("telegram", "5001")


def said(text: str, chat: Address = R1) -> Content:
    """Return a text message from a chat."""
    return Content(ContentKind.TEXT, text, chat, str(1))


async def test_on_it_tells_the_retailer_the_eta(desk, store, clock):
    await desk.ask(Ask(R1, said("能帮我查下订单吗？")))
    clock.advance(minutes=5)

    outcome = await desk.on_it(OnIt("m1", 1, 30))

    assert outcome is Outcome.DONE
    (eta,) = store.posted_to("r1", NoticeKind.ETA)
    assert eta.address == R1
    assert eta.params == {
        "manager": "李经理",
        "eta": (clock.now() + timedelta(minutes=30)).isoformat(),
    }


async def test_on_it_records_the_acknowledgement_and_pauses_the_ladder(desk, store, clock):
    await desk.ask(Ask(R1, said("能帮我查下订单吗？")))
    clock.advance(minutes=5)

    await desk.on_it(OnIt("m1", 1, 30))

    ticket = store.tickets[1]
    assert ticket.acknowledged_at == clock.now()
    assert ticket.eta_until == clock.now() + timedelta(minutes=30)
    assert ticket.next_due_at == ticket.eta_until  # not the 15-minute reminder
    assert ticket.waiting_since is not None  # "on it" is not an answer
    (on_it,) = store.events_of(EventKind.ON_IT)
    assert on_it.actor == "m1"
    assert on_it.seconds == 5 * 60
    assert on_it.detail == {"eta": ticket.eta_until.isoformat(), "minutes": 30}


async def test_a_second_on_it_keeps_the_first_acknowledgement(desk, store, clock):
    await desk.ask(Ask(R1, said("能帮我查下订单吗？")))
    clock.advance(minutes=5)
    await desk.on_it(OnIt("m1", 1, 15))
    first_ack = clock.now()
    clock.advance(minutes=10)

    await desk.on_it(OnIt("m1", 1, 60))

    assert store.tickets[1].acknowledged_at == first_ack
    assert store.tickets[1].eta_until == clock.now() + timedelta(minutes=60)


async def test_only_the_assigned_manager_can_press_on_it(desk, store):
    await desk.ask(Ask(R1, said("能帮我查下订单吗？")))
    before = store.tickets[1]

    outcome = await desk.on_it(OnIt("m2", 1, 30))

    assert outcome is Outcome.NOT_YOURS
    assert store.tickets[1] == before
    assert store.posted_to("r1", NoticeKind.ETA) == []
    assert store.events_of(EventKind.ON_IT) == []


async def test_a_press_on_a_ticket_that_does_not_exist_is_no_ticket(desk):
    # Told as an old button, not as someone else's ticket.
    assert await desk.on_it(OnIt("m1", 404, 30)) is Outcome.NOT_A_TICKET
    assert await desk.resolve(Resolve("m1", 404)) is Outcome.NOT_A_TICKET
    assert await desk.may_act("m1", 404) is Outcome.NOT_A_TICKET


async def test_on_it_with_nothing_waiting_says_so(desk, store):
    await desk.ask(Ask(R1, said("能帮我查下订单吗？")))
    (question,) = store.posted_to("m1", NoticeKind.QUESTION)
    await desk.answer(Answer("m1", M1, store.message_id_of(question), said("已查，明天到。", M1)))

    outcome = await desk.on_it(OnIt("m1", 1, 30))

    assert outcome is Outcome.NOTHING_WAITING
    assert store.posted_to("r1", NoticeKind.ETA) == []


async def test_a_repeated_on_it_press_is_applied_once(desk, store):
    await desk.ask(Ask(R1, said("能帮我查下订单吗？")))
    press = OnIt("m1", 1, 30, Inbound("telegram", 61))

    assert await desk.on_it(press) is Outcome.DONE
    assert await desk.on_it(press) is Outcome.REPEATED

    assert len(store.posted_to("r1", NoticeKind.ETA)) == 1


async def test_resolve_closes_the_ticket_and_tells_the_retailer(desk, store, clock):
    await desk.ask(Ask(R1, said("能帮我查下订单吗？")))
    clock.advance(minutes=20)

    outcome = await desk.resolve(Resolve("m1", 1))

    assert outcome is Outcome.DONE
    ticket = store.tickets[1]
    assert ticket.status is TicketStatus.RESOLVED
    assert ticket.resolved_at == clock.now()
    assert ticket.next_due_at is None
    (resolved,) = store.posted_to("r1", NoticeKind.RESOLVED)
    assert resolved.params == {"ticket": 1, "manager": "李经理"}
    (event,) = store.events_of(EventKind.RESOLVED)
    assert event.actor == "m1"


async def test_resolve_drops_a_pending_eta(desk, store):
    await desk.ask(Ask(R1, said("能帮我查下订单吗？")))
    await desk.on_it(OnIt("m1", 1, 30))

    await desk.resolve(Resolve("m1", 1))

    assert store.tickets[1].eta_until is None
    assert store.tickets[1].next_due_at is None


async def test_only_the_assigned_manager_can_resolve(desk, store):
    await desk.ask(Ask(R1, said("能帮我查下订单吗？")))

    assert await desk.resolve(Resolve("m2", 1)) is Outcome.NOT_YOURS
    assert store.tickets[1].is_open
    assert store.posted_to("r1", NoticeKind.RESOLVED) == []


async def test_pressing_on_a_closed_ticket_says_it_is_closed(desk, store):
    await desk.ask(Ask(R1, said("能帮我查下订单吗？")))
    await desk.resolve(Resolve("m1", 1))
    posted = len(store.posted)

    assert await desk.on_it(OnIt("m1", 1, 30)) is Outcome.CLOSED
    assert await desk.resolve(Resolve("m1", 1)) is Outcome.CLOSED
    assert len(store.posted) == posted


async def test_after_resolving_the_next_message_opens_a_new_ticket(desk, store):
    await desk.ask(Ask(R1, said("能帮我查下订单吗？")))
    await desk.resolve(Resolve("m1", 1))

    await desk.ask(Ask(R1, said("还有一个问题")))

    assert sorted(store.tickets) == [1, 2]
    assert store.tickets[2].is_open
    assert [n.kind for n in store.posted_to("m1")] == [NoticeKind.QUESTION, NoticeKind.QUESTION]
    assert store.posted_to("m1")[-1].ticket_id == 2
