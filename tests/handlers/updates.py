"""Build the updates Telegram would send: messages, commands, button presses and edits."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from telegram import Bot, Update

from tests.handlers.botapi import BOT_USER, MessageNumbers

JSONDict = dict[str, Any]


class UpdateBuilder:
    """Make real `Update` objects bound to the bot, with update ids that only go up."""

    def __init__(self, bot: Bot, numbers: MessageNumbers, now: Callable[[], datetime]) -> None:
        self._bot = bot
        self._numbers = numbers
        self._now = now
        self._last_update_id = 0

    def message_update(
        self,
        chat_id: int,
        text: str | None = None,
        *,
        reply_to: int | None = None,
        photo: bool = False,
        sticker: bool = False,
        caption: str | None = None,
        media_group_id: str | None = None,
        contact: JSONDict | None = None,
        user_id: int | None = None,
        language_code: str = "zh-hans",
        group: bool = False,
    ) -> Update:
        """Return a message someone sends in a private chat (or a group, with `group`)."""
        message = self._message(chat_id, user_id, language_code, group=group)
        if text is not None:
            message["text"] = text
        if caption is not None:
            message["caption"] = caption
        if photo:
            number = message["message_id"]
            message["photo"] = [
                {"file_id": f"p{number}", "file_unique_id": f"u{number}", "width": 9, "height": 9}
            ]
        if sticker:
            message["sticker"] = _sticker(message["message_id"])
        if media_group_id is not None:
            message["media_group_id"] = media_group_id
        if contact is not None:
            message["contact"] = contact
        if reply_to is not None:
            message["reply_to_message"] = self._bot_message(chat_id, reply_to)
        return self._update({"message": message})

    def command_update(
        self,
        chat_id: int,
        command: str,
        *,
        user_id: int | None = None,
        language_code: str = "zh-hans",
        group: bool = False,
    ) -> Update:
        """Return a command with its arguments, as '/complain 送货太慢'."""
        message = self._message(chat_id, user_id, language_code, group=group)
        name = command.split(maxsplit=1)[0]
        message["text"] = command
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(name)}]
        return self._update({"message": message})

    def button_update(
        self,
        chat_id: int,
        data: str | None,
        *,
        message: int | None = None,
        user_id: int | None = None,
        language_code: str = "zh-hans",
    ) -> Update:
        """Return a press on a button of the bot's message `message` in `chat_id`."""
        user = _user(chat_id if user_id is None else user_id, language_code)
        number = self._numbers.next_in(chat_id) if message is None else message
        pressed = self._bot_message(chat_id, number)
        query: JSONDict = {
            "id": f"press-{self._last_update_id + 1}",
            "from": user,
            "chat_instance": f"instance-{chat_id}",
            "message": pressed,
        }
        if data is not None:
            query["data"] = data
        return self._update({"callback_query": query})

    def edited_update(
        self, chat_id: int, text: str, *, message: int, user_id: int | None = None
    ) -> Update:
        """Return an edit of the user's earlier message `message`."""
        edited = self._message(chat_id, user_id, "zh-hans", number=message)
        edited |= {"text": text, "edit_date": int(self._now().timestamp())}
        return self._update({"edited_message": edited})

    def _update(self, body: JSONDict) -> Update:
        self._last_update_id += 1
        update = Update.de_json({"update_id": self._last_update_id, **body}, self._bot)
        assert update is not None
        return update

    def _message(
        self,
        chat_id: int,
        user_id: int | None,
        language_code: str,
        *,
        group: bool = False,
        number: int | None = None,
    ) -> JSONDict:
        user = _user(chat_id if user_id is None else user_id, language_code)
        chat: JSONDict = {"id": chat_id, "type": "private", "first_name": user["first_name"]}
        if group:
            chat = {"id": chat_id, "type": "group", "title": "门店群"}
        return {
            "message_id": self._numbers.next_in(chat_id) if number is None else number,
            "date": int(self._now().timestamp()),
            "chat": chat,
            "from": user,
        }

    def _bot_message(self, chat_id: int, message_id: int) -> JSONDict:
        return {
            "message_id": message_id,
            "date": int(self._now().timestamp()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
            "from": BOT_USER,
            "text": "…",
        }


def _user(user_id: int, language_code: str) -> JSONDict:
    return {
        "id": user_id,
        "is_bot": False,
        "first_name": f"用户{user_id}",
        "language_code": language_code,
    }


def _sticker(number: int) -> JSONDict:
    return {
        "file_id": f"s{number}",
        "file_unique_id": f"su{number}",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
        "type": "regular",
    }
