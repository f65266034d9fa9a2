"""A failed Bot API call: the router keeps the failure for the intake to judge."""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus

import pytest
from telegram.error import Forbidden, RetryAfter

from tests.handlers.conftest import STRANGER


async def test_a_blocked_chat_leaves_the_failure_for_the_intake(chats, updates):
    chats.api.fail_next("sendMessage")
    greeting = updates.message_update(STRANGER, "你好")

    await chats.application.process_update(greeting)

    failure = chats.services.failures[greeting.update_id]
    assert isinstance(failure, Forbidden)
    assert "blocked" in failure.message


async def test_flood_control_reaches_the_intake_with_its_wait(chats, updates):
    chats.api.fail_next(
        "sendMessage", HTTPStatus.TOO_MANY_REQUESTS, "Too Many Requests", retry_after=7
    )

    with pytest.raises(RetryAfter) as refused:
        await chats.handle(updates.message_update(STRANGER, "你好"))

    assert refused.value.retry_after == timedelta(seconds=7)


async def test_a_queued_error_answers_one_call_only(chats, updates):
    chats.api.fail_next("sendMessage")

    with pytest.raises(Forbidden):
        await chats.handle(updates.message_update(STRANGER, "你好"))
    calls = await chats.handle(updates.message_update(STRANGER, "你好"))

    assert [c.method for c in calls] == ["sendMessage"]
