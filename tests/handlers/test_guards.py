"""Updates the desk does not take: edits, presses by someone else, and group chats."""

from __future__ import annotations

from desk.notices import NoticeKind
from handlers.telegram.texts import say
from tests.handlers.conftest import M1, R1, R2
from tests.handlers.test_complaints import held_reply


async def test_an_edited_message_is_not_relayed(chats, updates):
    asked = updates.message_update(R1, "有货吗？")
    await chats.handle(asked)

    edit = updates.edited_update(R1, "有货吗？要两条", message=asked.effective_message.message_id)
    calls = await chats.handle(edit)

    assert [(c.chat_id, c.text) for c in calls] == [(R1, say("zh", "edited"))]
    assert len(chats.store.posted_to("m1")) == 1


async def test_a_manager_editing_is_told_to_reply_again(chats, updates):
    calls = await chats.handle(updates.edited_update(M1, "明天到", message=1001))

    assert [c.text for c in calls] == [say("zh", "edited.staff")]


async def test_a_press_by_someone_outside_the_chat_is_refused(chats, updates):
    await held_reply(chats, updates)

    # r2 presses a button on a message in r1's private chat (a forwarded or forged press).
    calls = await chats.handle(updates.button_update(R1, "held:s", user_id=R2))

    assert [(c.method, c.text) for c in calls] == [
        ("answerCallbackQuery", say("zh", "button.stale"))
    ]
    # r1's message stays held: nothing reached the supervisor.
    assert chats.store.posted_to("s1", NoticeKind.COMPLAINT) == []


async def test_a_press_without_data_is_refused(chats, updates):
    calls = await chats.handle(updates.button_update(R1, None))

    assert [(c.method, c.text) for c in calls] == [
        ("answerCallbackQuery", say("zh", "button.stale"))
    ]


async def test_a_command_in_a_group_points_to_a_private_chat(chats, updates):
    calls = await chats.handle(updates.command_update(-100, "/start", user_id=R1, group=True))

    assert [(c.chat_id, c.text) for c in calls] == [(-100, say("zh", "groups"))]


async def test_small_talk_in_a_group_reaches_nobody(chats, updates):
    calls = await chats.handle(updates.message_update(-100, "有货吗？", user_id=R1, group=True))

    assert calls == []
    assert chats.store.posted == []
