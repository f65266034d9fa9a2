"""A bare private text, read without PTB's objects: PTB's answer, or left to PTB."""

from __future__ import annotations

from typing import Any

import pytest
from telegram import Update

from desk.commands import Inbound
from desk.content import MAX_TEXT, Content, ContentKind
from desk.notices import NoticeKind
from handlers.telegram import conversation, guards
from handlers.telegram.conversation import on_plain_text
from handlers.telegram.plain import PlainText, read
from handlers.telegram.texts import say
from handlers.telegram.translate import chat_of, content_of, inbound_of
from tests.handlers.botapi import ApiCall
from tests.handlers.conftest import M1, R1, STRANGER, Chats

JSONDict = dict[str, Any]


def text_update(
    chat_id: int, text: str, *, language_code: str = "zh-hans", **extra: Any
) -> JSONDict:
    """Return a private text as Telegram sends it, with `extra` fields in its message."""
    user = {"id": chat_id, "is_bot": False, "first_name": "张", "language_code": language_code}
    message = {
        "message_id": 7,
        "date": 1_765_000_000,
        "chat": {"id": chat_id, "type": "private", "first_name": "张"},
        "from": user,
        "text": text,
    }
    return {"update_id": 41, "message": message | extra}


def with_field(raw: JSONDict, path: str, value: Any) -> JSONDict:
    """Return a copy of an update with one field (such as 'message.from.id') set."""
    *parents, name = path.split(".")
    copy: JSONDict = {"update_id": raw["update_id"], "message": dict(raw["message"])}
    copy["message"]["from"] = dict(raw["message"]["from"])
    copy["message"]["chat"] = dict(raw["message"]["chat"])
    node = copy
    for parent in parents:
        node = node[parent]
    node[name] = value
    return copy


def test_a_bare_private_text_is_read_as_ptb_reads_it():
    raw = text_update(R1, "有货吗？")

    plain = read(raw)

    assert plain == PlainText(41, R1, 7, "有货吗？", "zh-hans")
    update = Update.de_json(raw, None)
    assert update.effective_message is not None and update.effective_user is not None
    assert inbound_of(update) == Inbound("telegram", plain.update_id)
    assert update.effective_user.language_code == plain.language_code
    assert content_of(update.effective_message) == Content(
        ContentKind.TEXT, plain.text, chat_of(plain.chat_id), str(plain.message_id)
    )


BARE = text_update(R1, "有货吗？")


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(
            text_update(R1, "/start", entities=[{"type": "bot_command", "offset": 0, "length": 6}]),
            id="a command",
        ),
        pytest.param(
            text_update(R1, "有的", reply_to_message={"message_id": 3, "date": 0, "chat": {}}),
            id="a reply",
        ),
        pytest.param(
            text_update(R1, "看图", photo=[{"file_id": "p", "file_unique_id": "u"}]), id="a photo"
        ),
        pytest.param(
            text_update(R1, "转发", forward_origin={"type": "hidden_user", "date": 0}),
            id="a forward",
        ),
        pytest.param({"update_id": 41, "edited_message": BARE["message"]}, id="an edit"),
        pytest.param({**BARE, "callback_query": {}}, id="a press too"),
        pytest.param(with_field(BARE, "message.chat.type", "group"), id="a group"),
        pytest.param(with_field(BARE, "message.from.is_bot", True), id="a bot"),
        pytest.param(with_field(BARE, "message.from.id", R1 + 1), id="another sender"),
        pytest.param(with_field(BARE, "message.date", 10**20), id="a date past 9999"),
        pytest.param(with_field(BARE, "message.date", "今天"), id="a date as text"),
        pytest.param(with_field(BARE, "update_id", True), id="a boolean id"),
        pytest.param(with_field(BARE, "message.message_id", 2**70), id="an id past 64 bits"),
        pytest.param(
            with_field(BARE, "message.from.language_code", 5), id="a language as a number"
        ),
        pytest.param(with_field(BARE, "message.from.first_name", None), id="no first name"),
        pytest.param(with_field(BARE, "message.text", ["有货吗？"]), id="text as a list"),
        pytest.param(with_field(BARE, "message.chat", "9001"), id="a chat as text"),
        pytest.param("not an update", id="not a dict"),
    ],
)
def test_anything_more_than_a_bare_private_text_is_left_to_ptb(raw):
    assert read(raw) is None


@pytest.mark.parametrize("text", ["有货吗？", "/start", "1/2条", " "])
async def test_ptb_would_hand_every_bare_private_text_to_on_message(chats: Chats, text):
    update = Update.de_json(text_update(R1, text), chats.application.bot)

    # PTB runs, in each group, the first handler that takes the update.
    taken = {}
    for group, handlers in chats.application.handlers.items():
        first = next((h for h in handlers if h.check_update(update) not in (None, False)), None)
        if first is not None:
            taken[group] = first.callback

    assert taken == {-1: guards.gate_presses, 0: conversation.on_message}


async def through(chats: Chats, raw: JSONDict, route: str) -> list[ApiCall]:
    """Handle an update as the intake does, by the bare-text route or PTB's; return the calls."""
    start = len(chats.api.calls)
    bot = chats.application.bot
    plain = read(raw)
    assert plain is not None
    if route == "ptb" or not await on_plain_text(plain, chats.services.desk, bot):
        await chats.application.process_update(Update.de_json(raw, bot))
    failure = chats.services.failures.pop(plain.update_id, None)
    if failure is not None:
        raise failure
    return chats.api.calls[start:]


ROUTES = pytest.mark.parametrize("route", ["bare", "ptb"])


@ROUTES
async def test_a_question_is_acknowledged_and_reaches_the_manager(chats: Chats, route):
    calls = await through(chats, text_update(R1, "有货吗？"), route)

    assert calls == []
    ack, question = chats.store.posted
    assert (ack.to, ack.kind, int(ack.address.chat)) == ("r1", NoticeKind.ACK, R1)
    assert (question.to, question.kind, int(question.address.chat)) == (
        "m1",
        NoticeKind.QUESTION,
        M1,
    )
    assert question.params["text"] == "有货吗？"


@ROUTES
async def test_a_retailer_follows_their_apps_language(chats: Chats, route):
    await through(chats, text_update(R1, "hello", language_code="en-US"), route)

    assert chats.store.retailers["r1"].lang == "en"
    (ack,) = chats.store.posted_to("r1", NoticeKind.ACK)
    assert ack.lang == "en"


@ROUTES
async def test_a_text_too_long_is_refused_in_the_same_chat(chats: Chats, route):
    calls = await through(chats, text_update(R1, "货" * (MAX_TEXT * 3)), route)

    assert [(c.method, c.chat_id, c.text) for c in calls] == [
        ("sendMessage", R1, say("zh", "too_long", limit=MAX_TEXT))
    ]


@ROUTES
async def test_a_stranger_is_asked_to_register(chats: Chats, route):
    calls = await through(chats, text_update(STRANGER, "你好"), route)

    assert [c.text for c in calls] == [say("zh", "register")]
    assert chats.store.posted == []


@ROUTES
async def test_a_manager_writing_outside_a_reply_is_told_how_to_answer(chats: Chats, route):
    calls = await through(chats, text_update(M1, "好的"), route)

    assert [(c.chat_id, c.text) for c in calls] == [(M1, say("zh", "not_a_ticket"))]
