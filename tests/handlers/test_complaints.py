"""/complain, /done and the held-message choice: a complaint never reaches the manager."""

from __future__ import annotations

from desk.notices import NoticeKind
from handlers.telegram.texts import say
from tests.handlers.conftest import R1, S1, Chats
from tests.handlers.updates import UpdateBuilder


async def complaining(chats: Chats, updates: UpdateBuilder) -> None:
    """Put retailer r1 in a confidential conversation with the supervisor."""
    await chats.handle(updates.command_update(R1, "/complain"))


async def held_reply(chats: Chats, updates: UpdateBuilder) -> None:
    """Have r1 ask, complain, then reply to the ticket's message: the desk holds it."""
    await chats.handle(updates.message_update(R1, "有货吗？"))
    chats.deliver()
    (ack,) = chats.store.posted_to("r1", NoticeKind.ACK)
    await complaining(chats, updates)
    reply = updates.message_update(
        R1, "李经理总是不回消息", reply_to=int(chats.store.message_id_of(ack))
    )
    await chats.handle(reply)


async def test_after_complain_a_message_goes_to_the_supervisor_only(chats, updates):
    await complaining(chats, updates)
    calls = await chats.handle(updates.message_update(R1, "李经理送货总是迟到"))

    assert calls == []
    (complaint,) = chats.store.posted_to("s1", NoticeKind.COMPLAINT)
    assert int(complaint.address.chat) == S1
    assert chats.store.posted_to("m1") == []
    assert chats.store.tickets == {}


async def test_a_complaint_given_with_the_command_goes_to_the_supervisor(chats, updates):
    await chats.handle(updates.command_update(R1, "/complain 李经理送货总是迟到"))

    assert len(chats.store.posted_to("s1", NoticeKind.COMPLAINT)) == 1
    assert chats.store.posted_to("m1") == []


async def test_done_sends_the_next_message_to_the_manager_again(chats, updates):
    await complaining(chats, updates)
    await chats.handle(updates.message_update(R1, "李经理送货总是迟到"))

    calls = await chats.handle(updates.command_update(R1, "/done"))
    await chats.handle(updates.message_update(R1, "有货吗？"))

    # The desk says goodbye through the outbox, so the handler stays quiet.
    assert calls == []
    assert len(chats.store.posted_to("r1", NoticeKind.COMPLAINT_LEFT)) == 1
    (question,) = chats.store.posted_to("m1", NoticeKind.QUESTION)
    assert question.params["text"] == "有货吗？"


async def test_done_outside_a_complaint_says_there_is_none(chats, updates):
    calls = await chats.handle(updates.command_update(R1, "/done"))

    assert [c.text for c in calls] == [say("zh", "done.none")]


async def test_a_reply_to_the_ticket_mid_complaint_is_held_for_a_choice(chats, updates):
    await held_reply(chats, updates)

    (choice,) = chats.store.posted_to("r1", NoticeKind.COMPLAINT_CHOICE)
    assert [b.data for b in choice.buttons] == ["held:s", "held:m"]
    assert chats.store.posted_to("s1") == []
    assert [n.kind for n in chats.store.posted_to("m1")] == [NoticeKind.QUESTION]


async def test_held_s_sends_the_held_message_to_the_supervisor(chats, updates):
    await held_reply(chats, updates)

    calls = await chats.handle(updates.button_update(R1, "held:s"))

    (answer,) = calls
    assert answer.method == "answerCallbackQuery"
    assert answer.text == say("zh", "held.to_supervisor")
    (complaint,) = chats.store.posted_to("s1", NoticeKind.COMPLAINT)
    assert complaint.params["text"] == "李经理总是不回消息"
    assert [n.kind for n in chats.store.posted_to("m1")] == [NoticeKind.QUESTION]


async def test_held_m_sends_the_held_message_to_the_manager(chats, updates):
    await held_reply(chats, updates)

    calls = await chats.handle(updates.button_update(R1, "held:m"))

    assert [c.text for c in calls] == [say("zh", "held.to_manager")]
    assert chats.store.posted_to("s1", NoticeKind.COMPLAINT) == []
    _question, followup = chats.store.posted_to("m1")
    assert (followup.kind, followup.params["text"]) == (NoticeKind.FOLLOWUP, "李经理总是不回消息")


async def test_a_choice_with_nothing_held_is_a_stale_button(chats, updates):
    calls = await chats.handle(updates.button_update(R1, "held:s"))

    assert [(c.method, c.text) for c in calls] == [
        ("answerCallbackQuery", say("zh", "button.stale"))
    ]
    assert chats.store.posted == []
