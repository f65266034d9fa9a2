"""The tier's in-memory Bot API answers as Telegram does, and never opens a socket."""

from __future__ import annotations

import socket

from telegram import Message

from tests.handlers.botapi import BOT_ID, FIRST_MESSAGE_ID
from tests.handlers.conftest import M1, R1


async def test_messages_are_numbered_per_chat_across_both_sides(chats, updates, deskbot):
    asked = updates.message_update(R1, "有货吗？")
    sent = await deskbot.send_message(R1, "您好")
    elsewhere = await deskbot.send_message(M1, "新问题")

    assert isinstance(sent, Message)
    assert asked.effective_message.message_id == FIRST_MESSAGE_ID
    assert (sent.chat_id, sent.message_id) == (R1, FIRST_MESSAGE_ID + 1)
    assert (elsewhere.chat_id, elsewhere.message_id) == (M1, FIRST_MESSAGE_ID)
    assert sent.from_user is not None
    assert sent.from_user.id == BOT_ID


async def test_a_queued_answer_replaces_the_usual_one(chats, deskbot):
    chats.api.answer_next(
        "sendMessage", {"message_id": 77, "date": 0, "chat": {"id": R1, "type": "private"}}
    )

    first = await deskbot.send_message(R1, "一")
    second = await deskbot.send_message(R1, "二")

    assert (first.message_id, second.message_id) == (77, FIRST_MESSAGE_ID)


async def test_the_bot_knows_itself_from_getme(chats, deskbot):
    assert (deskbot.id, deskbot.username) == (BOT_ID, "RetailDeskBot")


async def test_calls_are_recorded_as_the_bot_sent_them(chats, deskbot):
    await deskbot.send_message(R1, "您好", disable_notification=True)

    (call,) = chats.api.calls
    assert call.method == "sendMessage"
    assert call.params == {"chat_id": R1, "text": "您好", "disable_notification": True}


async def test_no_socket_is_opened(chats, updates, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the handler tier opened a socket")

    monkeypatch.setattr(socket.socket, "connect", refuse)

    await chats.handle(updates.message_update(R1, "有货吗？"))
    await chats.handle(updates.button_update(M1, "on:1"))
