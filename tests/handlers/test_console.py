"""/console: staff get a one-time link straight back, previews off; nobody else gets one."""

from __future__ import annotations

import json

import pytest

from handlers.telegram.texts import say
from tests.handlers.conftest import M1, R1, S1, STRANGER, Chats
from tests.handlers.updates import UpdateBuilder

LINK = "http://desk.test/console/login/TOKEN"


@pytest.fixture
def issued(chats: Chats) -> list[str]:
    """Wire a link maker that records whom it issued links to."""
    who: list[str] = []

    async def link(staff, send) -> None:
        who.append(staff.id)
        await send(LINK)

    chats.services.console = link
    return who


def preview_of(call) -> dict:
    options = call.params.get("link_preview_options")
    return json.loads(options) if isinstance(options, str) else options


@pytest.mark.parametrize(("chat", "staff"), [(S1, "s1"), (M1, "m1")])
async def test_staff_get_their_link_with_previews_off(chats, updates, issued, chat, staff):
    calls = await chats.handle(updates.command_update(chat, "/console"))

    (reply,) = calls
    assert reply.chat_id == chat
    assert reply.text == say("zh", "console.link", url=LINK)
    assert preview_of(reply) == {"is_disabled": True}
    assert issued == [staff]
    # Sent straight back: the outbox, which keeps its rows, never holds the token.
    assert chats.store.outbox == []


@pytest.mark.parametrize("chat", [R1, STRANGER])
async def test_retailers_and_strangers_are_told_it_is_for_staff(chats, updates, issued, chat):
    calls = await chats.handle(updates.command_update(chat, "/console"))

    assert [c.text for c in calls] == [say("zh", "staff_only")]
    assert issued == []


async def test_without_a_console_staff_are_told_it_is_off(chats: Chats, updates: UpdateBuilder):
    calls = await chats.handle(updates.command_update(S1, "/console"))

    assert [c.text for c in calls] == [say("zh", "console.off")]
