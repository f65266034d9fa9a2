"""A retailer whose chat went to another roster entry: staff are told, nothing crashes."""

from __future__ import annotations

from dataclasses import replace

from desk.commands import Answer, Ask, OnIt, Outcome, Resolve
from desk.content import Content, ContentKind
from desk.notices import NoticeKind
from desk.people import Address
from desk.tickets import EventKind, TicketStatus

R1 = Address("telegram", "9001")
M1 = Address("telegram", "5001")


def said(text: str, chat: Address, message_id: int = 1) -> Content:
    return Content(ContentKind.TEXT, text, chat, str(message_id))


async def unlinked_after_asking(desk, store) -> int:
    """Let r1 ask, then lose their chat; return the question's message id in m1's chat."""
    assert await desk.ask(Ask(R1, said("有货吗？", R1))) is Outcome.DONE
    (question,) = store.posted_to("m1", NoticeKind.QUESTION)
    message_id = store.message_id_of(question)
    store.add_retailer(replace(store.retailers["r1"], contacts=()))
    return message_id


async def test_an_answer_to_an_unlinked_retailer_is_refused_not_lost(desk, store):
    question = await unlinked_after_asking(desk, store)

    outcome = await desk.answer(Answer("m1", M1, str(question), said("有的", M1)))

    assert outcome is Outcome.NO_CHAT
    assert store.posted_to("r1", NoticeKind.ANSWER) == []
    assert store.events_of(EventKind.ANSWERED) == []
    assert store.tickets[1].waiting_since is not None, "the question still waits"


async def test_on_it_for_an_unlinked_retailer_is_refused(desk, store):
    await unlinked_after_asking(desk, store)

    assert await desk.on_it(OnIt("m1", 1, 30)) is Outcome.NO_CHAT
    assert store.tickets[1].eta_until is None


async def test_resolving_an_unlinked_retailers_ticket_closes_it_quietly(desk, store):
    await unlinked_after_asking(desk, store)

    assert await desk.resolve(Resolve("m1", 1)) is Outcome.DONE
    assert store.tickets[1].status is TicketStatus.RESOLVED
    assert store.posted_to("r1", NoticeKind.RESOLVED) == []
