"""A manager goes on leave with an explicit handover, and comes back."""

from __future__ import annotations

from datetime import timedelta

import pytest

from desk.commands import Ask, Away, Outcome
from desk.content import Content, ContentKind
from desk.notices import NoticeKind
from desk.people import Address, Leave
from desk.tickets import EventKind

R1 = Address("telegram", "9001")


def said(text: str) -> Content:
    """Return a text message from r1's chat."""
    return Content(ContentKind.TEXT, text, R1, str(1))


async def test_going_away_starts_the_leave_and_tells_the_supervisor(desk, store, clock):
    until = clock.now() + timedelta(days=3)

    outcome = await desk.go_away(Away("m1", until, "m2"))

    assert outcome is Outcome.DONE
    assert store.leaves["m1"] == Leave("m1", "m2", until, clock.now())
    (handover,) = store.posted_to("s1")
    assert handover.kind is NoticeKind.HANDOVER
    assert handover.address == Address("telegram", "7001")
    assert handover.params == {
        "manager": "李经理",
        "covering": "王经理",
        "until": until.isoformat(),
    }


async def test_the_covering_colleague_is_told_too(desk, store, clock):
    await desk.go_away(Away("m1", clock.now() + timedelta(days=3), "m2"))

    (handover,) = store.posted_to("m2")
    assert handover.kind is NoticeKind.HANDOVER


@pytest.mark.parametrize(
    ("manager", "covering"),
    [
        ("m1", "m9"),  # nobody by that id
        ("m1", "m1"),  # oneself
        ("m1", "s1"),  # a supervisor, not a manager
        ("m1", ""),
        ("s1", "m2"),  # only managers go away through the desk
    ],
)
async def test_a_missing_or_invalid_colleague_is_refused(desk, store, clock, manager, covering):
    outcome = await desk.go_away(Away(manager, clock.now() + timedelta(days=1), covering))

    assert outcome is Outcome.BAD_COLLEAGUE
    assert store.leaves == {}
    assert store.posted == []


@pytest.mark.parametrize("offset", [timedelta(days=-1), timedelta(0)])
async def test_a_past_date_is_refused(desk, store, clock, offset):
    outcome = await desk.go_away(Away("m1", clock.now() + offset, "m2"))

    assert outcome is Outcome.BAD_DATE
    assert store.leaves == {}
    assert store.posted == []


async def test_a_ticket_opened_during_leave_goes_to_the_covering_colleague(desk, store, clock):
    await desk.go_away(Away("m1", clock.now() + timedelta(days=3), "m2"))
    clock.advance(hours=1)

    await desk.ask(Ask(R1, said("李经理在吗？")))

    ticket = store.tickets[1]
    assert (ticket.manager_id, ticket.home_manager_id) == ("m2", "m1")
    (question,) = store.posted_to("m2", NoticeKind.QUESTION)
    assert question.address == Address("telegram", "5002")
    assert store.posted_to("m1") == []
    assert store.events_of(EventKind.OPENED)[0].target == "m2"


async def test_the_ack_says_who_covers_for_whom(desk, store, clock):
    await desk.go_away(Away("m1", clock.now() + timedelta(days=3), "m2"))

    await desk.ask(Ask(R1, said("李经理在吗？")))

    (ack,) = store.posted_to("r1", NoticeKind.ACK)
    assert ack.params["manager"] == "王经理"
    assert ack.params["covering_for"] == "李经理"


async def test_the_covering_colleague_sees_the_ticket_in_their_queue(desk, clock):
    await desk.go_away(Away("m1", clock.now() + timedelta(days=3), "m2"))
    await desk.ask(Ask(R1, said("李经理在吗？")))

    assert [t.id for t in await desk.queue("m2")] == [1]
    assert await desk.queue("m1") == []


async def test_coming_back_ends_the_leave(desk, store, clock):
    await desk.go_away(Away("m1", clock.now() + timedelta(days=3), "m2"))
    clock.advance(days=1)

    assert await desk.come_back("m1") is Outcome.DONE
    assert store.leaves == {}

    await desk.ask(Ask(R1, said("李经理回来了吗？")))
    assert store.tickets[1].manager_id == "m1"
    (ack,) = store.posted_to("r1", NoticeKind.ACK)
    assert "covering_for" not in ack.params


async def test_coming_back_without_leave_says_not_away(desk):
    assert await desk.come_back("m1") is Outcome.NOT_AWAY


async def test_a_leave_ends_by_itself_on_its_date(desk, store, clock):
    await desk.go_away(Away("m1", clock.now() + timedelta(days=1), "m2"))
    clock.advance(days=1)

    await desk.ask(Ask(R1, said("李经理回来了吗？")))

    assert store.tickets[1].manager_id == "m1"
    assert await desk.come_back("m1") is Outcome.NOT_AWAY


async def test_a_new_leave_replaces_the_old_one(desk, store, clock):
    await desk.go_away(Away("m1", clock.now() + timedelta(days=1), "m2"))
    later = clock.now() + timedelta(days=5)

    await desk.go_away(Away("m1", later, "m2"))

    assert store.leaves["m1"].until == later
