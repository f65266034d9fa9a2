"""A private message: a retailer's question, a stranger, and what the desk cannot relay."""

from __future__ import annotations

from desk.content import MAX_TEXT
from desk.notices import NoticeKind
from desk.people import Address
from handlers.telegram.texts import say
from tests.handlers.conftest import M1, R1, STRANGER


async def test_a_question_is_acknowledged_and_reaches_the_manager(chats, updates):
    calls = await chats.handle(updates.message_update(R1, "有货吗？"))

    # The desk speaks through the outbox; the handler itself says nothing.
    assert calls == []
    ack, question = chats.store.posted
    assert (ack.to, ack.kind, int(ack.address.chat)) == ("r1", NoticeKind.ACK, R1)
    assert (question.to, question.kind, int(question.address.chat)) == (
        "m1",
        NoticeKind.QUESTION,
        M1,
    )
    assert question.params["text"] == "有货吗？"
    assert [b.data for b in question.buttons] == ["on:1", "res:1"]


async def test_a_photo_goes_to_the_manager_as_a_photo(chats, updates):
    await chats.handle(updates.message_update(R1, photo=True, caption="这批货破了"))

    (question,) = chats.store.posted_to("m1", NoticeKind.QUESTION)
    assert question.params["content"] == "photo"
    assert question.params["text"] == "这批货破了"


async def test_a_stranger_is_asked_to_share_their_phone(chats, updates):
    calls = await chats.handle(updates.message_update(STRANGER, "你好"))

    (reply,) = calls
    assert (reply.method, reply.chat_id, reply.text) == (
        "sendMessage",
        STRANGER,
        say("zh", "register"),
    )
    (button,) = reply.buttons
    assert button == {"text": say("zh", "register.button"), "request_contact": True}
    assert chats.store.posted == []


async def test_a_stranger_reading_english_is_asked_in_english(chats, updates):
    calls = await chats.handle(updates.message_update(STRANGER, "hi", language_code="en-GB"))

    assert [c.text for c in calls] == [say("en", "register")]


async def test_a_sticker_is_refused_and_opens_no_ticket(chats, updates):
    calls = await chats.handle(updates.message_update(R1, sticker=True))

    assert [(c.chat_id, c.text) for c in calls] == [(R1, say("zh", "unsupported"))]
    assert chats.store.tickets == {}


async def test_a_question_too_long_is_sent_back(chats, updates):
    calls = await chats.handle(updates.message_update(R1, "货" * (MAX_TEXT + 1)))

    assert [c.text for c in calls] == [say("zh", "too_long", limit=MAX_TEXT)]
    assert chats.store.posted_to("m1") == []


async def test_start_gives_a_retailer_help_and_the_menu(chats, updates):
    calls = await chats.handle(updates.command_update(R1, "/start"))

    (reply,) = calls
    assert reply.text == say("zh", "help.retailer")
    assert [b["callback_data"] for b in reply.buttons] == [
        "menu:order",
        "menu:guide",
        "menu:complain",
        "menu:lang",
    ]


async def test_each_message_is_applied_once(chats, updates):
    asked = updates.message_update(R1, "有货吗？")

    await chats.handle(asked)
    # Telegram posts an update again when its answer went missing.
    await chats.handle(asked)

    assert len(chats.store.posted_to("m1", NoticeKind.QUESTION)) == 1


async def test_sharing_a_roster_phone_links_the_chat(chats, updates):
    own = {"phone_number": "+8613800138003", "first_name": "王五", "user_id": STRANGER}

    calls = await chats.handle(updates.message_update(STRANGER, contact=own))

    assert calls == []
    assert chats.store.retailers["r3"].contacts == (Address("telegram", str(STRANGER)),)
    assert [n.kind for n in chats.store.posted_to("r3")] == [NoticeKind.WELCOME]


async def test_sharing_someone_elses_contact_links_nothing(chats, updates):
    theirs = {"phone_number": "+8613800138003", "first_name": "王五", "user_id": 1234}

    calls = await chats.handle(updates.message_update(STRANGER, contact=theirs))

    assert [c.text for c in calls] == [say("zh", "not_own_contact")]
    assert chats.store.retailers["r3"].contacts == ()
