"""A manager answers by replying to a question; anything else is told how."""

from __future__ import annotations

from desk.notices import NoticeKind
from handlers.telegram.texts import say
from tests.handlers.conftest import M1, M2, R1, Chats
from tests.handlers.updates import UpdateBuilder


async def asked(chats: Chats, updates: UpdateBuilder) -> int:
    """Have r1 ask; return the id of the question's message in m1's chat."""
    await chats.handle(updates.message_update(R1, "有货吗？"))
    (question,) = chats.store.posted_to("m1", NoticeKind.QUESTION)
    return int(chats.store.message_id_of(question))


async def test_a_reply_to_the_question_relays_the_answer(chats, updates):
    question = await asked(chats, updates)
    answer = updates.message_update(M1, "有的，明天到货", reply_to=question)

    calls = await chats.handle(answer)

    (relayed,) = chats.store.posted_to("r1", NoticeKind.ANSWER)
    assert (int(relayed.address.chat), relayed.ticket_id) == (R1, 1)
    assert relayed.params["text"] == "有的，明天到货"
    # The manager hears it went out, with the button that saves it for the library.
    (confirmation,) = calls
    assert (confirmation.chat_id, confirmation.text) == (M1, say("zh", "answer.sent"))
    assert [b["callback_data"] for b in confirmation.buttons] == [
        f"gds:{answer.effective_message.message_id}"
    ]


async def test_a_message_that_replies_to_nothing_is_not_a_ticket(chats, updates):
    await asked(chats, updates)

    calls = await chats.handle(updates.message_update(M1, "有的"))

    assert [c.text for c in calls] == [say("zh", "not_a_ticket")]
    assert chats.store.posted_to("r1", NoticeKind.ANSWER) == []


async def test_a_sticker_in_reply_cannot_be_relayed(chats, updates):
    question = await asked(chats, updates)

    calls = await chats.handle(updates.message_update(M1, sticker=True, reply_to=question))

    assert [c.text for c in calls] == [say("zh", "unrelayable")]
    assert chats.store.posted_to("r1", NoticeKind.ANSWER) == []


async def test_a_reply_in_another_managers_chat_finds_no_ticket(chats, updates):
    question = await asked(chats, updates)

    # The same message id in m2's chat is another message: ids are per chat.
    calls = await chats.handle(updates.message_update(M2, "有的", reply_to=question))

    assert [c.text for c in calls] == [say("zh", "not_a_ticket")]
    assert chats.store.posted_to("r1", NoticeKind.ANSWER) == []


async def test_queue_lists_the_managers_open_tickets(chats, updates):
    await asked(chats, updates)

    calls = await chats.handle(updates.command_update(M1, "/queue"))

    (listing,) = calls
    assert listing.text.splitlines()[0] == say("zh", "queue.head", count=1)


async def test_queue_is_for_staff_only(chats, updates):
    calls = await chats.handle(updates.command_update(R1, "/queue"))

    assert [c.text for c in calls] == [say("zh", "staff_only")]


async def test_a_command_for_another_bot_is_left_alone(chats, updates):
    await asked(chats, updates)

    calls = await chats.handle(updates.command_update(M1, "/report@OtherBot"))

    assert calls == []


async def test_a_numbered_message_answers_that_ticket_without_a_reply(chats, updates):
    await asked(chats, updates)

    calls = await chats.handle(updates.message_update(M1, "#1 有的，明天到货"))

    (relayed,) = chats.store.posted_to("r1", NoticeKind.ANSWER)
    assert relayed.params["text"] == "有的，明天到货"
    assert [c.text for c in calls] == [say("zh", "answer.sent")]


async def test_a_numbered_message_for_someone_elses_ticket_is_refused(chats, updates):
    await asked(chats, updates)

    calls = await chats.handle(updates.message_update(M2, "#1 我来答"))
    missing = await chats.handle(updates.message_update(M1, "#42 有"))

    assert [c.text for c in calls] == [say("zh", "not_yours")]
    assert [c.text for c in missing] == [say("zh", "ticket.unknown", ticket=42)]
    assert chats.store.posted_to("r1", NoticeKind.ANSWER) == []
