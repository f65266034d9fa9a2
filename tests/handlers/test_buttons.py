"""The manager's ticket buttons: on it (then an ETA), and resolve; anyone else is refused."""

from __future__ import annotations

from desk.answering import ETA_CHOICES
from desk.notices import NoticeKind
from desk.tickets import TicketStatus
from handlers.telegram.texts import say
from tests.handlers.conftest import M1, M2, R1, Chats
from tests.handlers.updates import UpdateBuilder


async def asked(chats: Chats, updates: UpdateBuilder) -> int:
    """Have r1 ask; return the id of the question, with its buttons, in m1's chat."""
    await chats.handle(updates.message_update(R1, "有货吗？"))
    (question,) = chats.store.posted_to("m1", NoticeKind.QUESTION)
    return int(chats.store.message_id_of(question))


async def test_on_it_offers_the_eta_choices_in_the_pressers_chat(chats, updates):
    question = await asked(chats, updates)

    calls = await chats.handle(updates.button_update(M1, "on:1", message=question))

    pressed, offer = calls
    assert (pressed.method, pressed.text) == ("answerCallbackQuery", None)
    assert (offer.method, offer.chat_id, offer.text) == ("sendMessage", M1, say("zh", "choose_eta"))
    assert [b["callback_data"] for b in offer.buttons] == [f"eta:1:{m}" for m in ETA_CHOICES]


async def test_an_eta_tells_the_retailer_when_to_expect_an_answer(chats, updates):
    await asked(chats, updates)

    calls = await chats.handle(updates.button_update(M1, "eta:1:30"))

    assert [(c.method, c.text) for c in calls] == [
        ("answerCallbackQuery", say("zh", "eta_set", minutes=30))
    ]
    (eta,) = chats.store.posted_to("r1", NoticeKind.ETA)
    assert eta.ticket_id == 1


async def test_resolve_closes_the_ticket(chats, updates):
    question = await asked(chats, updates)

    calls = await chats.handle(updates.button_update(M1, "res:1", message=question))

    assert [c.text for c in calls] == [say("zh", "resolved_ok", ticket=1)]
    assert chats.store.tickets[1].status is TicketStatus.RESOLVED


async def test_a_retailer_pressing_a_ticket_button_is_refused(chats, updates):
    await asked(chats, updates)

    calls = await chats.handle(updates.button_update(R1, "res:1"))

    assert [c.text for c in calls] == [say("zh", "staff_only")]
    assert chats.store.tickets[1].status is TicketStatus.OPEN


async def test_another_manager_may_not_resolve_the_ticket(chats, updates):
    await asked(chats, updates)

    calls = await chats.handle(updates.button_update(M2, "res:1"))

    (refusal,) = calls
    assert (refusal.text, refusal.params["show_alert"]) == (say("zh", "not_yours"), True)
    assert chats.store.tickets[1].status is TicketStatus.OPEN


async def test_forged_button_data_is_a_stale_button(chats, updates):
    await asked(chats, updates)

    calls = await chats.handle(updates.button_update(M1, "res:1:15"))

    assert [c.text for c in calls] == [say("zh", "button.stale")]
    assert chats.store.tickets[1].status is TicketStatus.OPEN
