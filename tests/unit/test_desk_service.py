"""The desk facade: who is writing, and what happens when a notification cannot be delivered."""

from __future__ import annotations

from desk.commands import Ask, Resolve
from desk.content import Content, ContentKind
from desk.people import Address, Role
from desk.tickets import EventKind

R1 = Address("telegram", "9001")


async def test_a_managers_chat_is_staff(desk):
    someone = await desk.who(Address("telegram", "5001"))

    assert someone.role is Role.MANAGER
    assert someone.staff is not None
    assert someone.staff.id == "m1"
    assert someone.lang == "zh"


async def test_a_supervisors_chat_is_staff_too(desk):
    someone = await desk.who(Address("telegram", "7001"))

    assert someone.role is Role.SUPERVISOR
    assert someone.staff is not None
    assert someone.staff.id == "s1"


async def test_a_linked_chat_is_its_retailer(desk):
    someone = await desk.who(R1)

    assert someone.role is Role.RETAILER
    assert someone.retailer is not None
    assert someone.retailer.id == "r1"


async def test_an_unknown_chat_is_a_stranger(desk):
    someone = await desk.who(Address("telegram", "1"))

    assert someone.role is Role.STRANGER
    assert (someone.retailer, someone.staff) == (None, None)


async def test_an_undeliverable_staff_notice_is_recorded_and_hurries_the_ladder(desk, store, clock):
    await desk.ask(Ask(R1, Content(ContentKind.TEXT, "在吗？", R1, str(1))))
    clock.advance(minutes=15)

    await desk.unreachable(1, "m1", 0)

    (event,) = store.events_of(EventKind.UNREACHABLE)
    assert (event.target, event.step, event.delivered) == ("m1", 0, False)
    assert store.tickets[1].hurry_at == clock.now()
    assert store.tickets[1].next_due_at == clock.now()


async def test_an_undeliverable_notice_on_a_closed_ticket_is_only_recorded(desk, store, clock):
    await desk.ask(Ask(R1, Content(ContentKind.TEXT, "在吗？", R1, str(1))))
    await desk.resolve(Resolve("m1", 1))
    clock.advance(minutes=1)

    await desk.unreachable(1, "m1", None)

    assert len(store.events_of(EventKind.UNREACHABLE)) == 1
    assert store.tickets[1].hurry_at is None
    assert store.tickets[1].next_due_at is None


async def test_an_undeliverable_notice_of_an_unknown_ticket_is_ignored(desk, store):
    await desk.unreachable(404, "m1", 0)

    assert store.events == []
