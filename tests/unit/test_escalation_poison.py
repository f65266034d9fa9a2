"""One ticket or complaint the ladder cannot process is set aside; the others still climb."""

from __future__ import annotations

from datetime import timedelta

from desk.commands import Ask, Outcome
from desk.complaining import Complain
from desk.content import Content, ContentKind
from desk.notices import NoticeKind
from desk.people import Address
from desk.tickets import EventKind

R1 = Address("telegram", "9001")
R2 = Address("telegram", "9002")


def said(text: str, chat: Address) -> Content:
    """Return a text message from a chat."""
    return Content(ContentKind.TEXT, text, chat, str(1))


async def test_a_ticket_whose_step_cannot_be_taken_is_set_aside_and_the_other_climbs(
    desk, store, clock, escalator
):
    asked = clock.now()
    await desk.ask(Ask(R1, said("中华到货了吗？", R1)))
    await desk.ask(Ask(R2, said("玉溪还有吗？", R2)))
    # No rung of its ladder fits this ticket: taking its step raises.
    store.tickets[1] = store.tickets[1].evolve(last_step=-5)

    clock.set(asked + timedelta(minutes=15))
    assert await escalator.fire_due() == 2

    reminded = [n.ticket_id for n in store.posted if n.kind is NoticeKind.REMINDER]
    assert reminded == [2]
    assert store.tickets[1].next_due_at is None
    stuck = [e for e in store.events if e.kind is EventKind.STUCK]
    assert [(e.ticket_id, e.detail) for e in stuck] == [(1, {"error": "IndexError"})]
    # Set aside once: the next ring does not try it again.
    assert escalator.parked == 1
    clock.set(asked + timedelta(minutes=16))
    await escalator.fire_due()
    assert escalator.parked == 1


async def test_a_complaint_that_cannot_be_reminded_is_set_aside_and_the_other_is(
    desk, store, clock, escalator
):
    filed = clock.now()
    for chat in (R1, R2):
        assert await desk.complain(Complain(chat, said("他骂人。", chat))) is Outcome.DONE
    broken = store.complaints[1]
    store.complaints[1] = broken.evolve(last_step=-5)

    clock.set(filed + timedelta(hours=2))
    await escalator.fire_due()

    nudges = [n for n in store.posted if n.kind is NoticeKind.COMPLAINT_NUDGE]
    assert [n.params["complaint"] for n in nudges] == [2]
    assert store.complaints[1].next_due_at is None
    assert escalator.parked == 1
    # Nothing of it reaches a ticket's history, which managers' reports read.
    assert [e for e in store.events if e.kind is EventKind.STUCK] == []
