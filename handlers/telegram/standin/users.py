"""Let tests act as a Telegram user: send, press, edit, block."""

from __future__ import annotations

import mimetypes
import re
import time

from handlers.telegram.standin.records import JSON, Person, describe, media_payload, utf16_len
from handlers.telegram.standin.world import World

COMMAND = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![A-Za-z0-9_@])")


class StandinUser:
    """A registered user whose actions become updates for the bot."""

    def __init__(self, world: World, person: Person) -> None:
        self._world = world
        self._person = person

    def __repr__(self) -> str:
        return f"StandinUser({self.id}, {self.first_name!r})"

    @property
    def id(self) -> int:
        """Return the user id, which is also the private chat id."""
        return self._person.id

    @property
    def first_name(self) -> str:
        """Return the user's first name."""
        return self._person.first_name

    @property
    def chat_id(self) -> int:
        """Return the id of the private chat with the bot."""
        return self._person.id

    @property
    def blocked(self) -> bool:
        """Tell whether the user has blocked the bot."""
        return self._person.blocked

    # Messages --------------------------------------------------------------

    def _chat(self) -> JSON:
        return self._world.chats[self.id]

    def _say(
        self, content: JSON, *, reply_to: int | JSON | None = None, chat: JSON | None = None
    ) -> JSON:
        if self._person.blocked:
            raise RuntimeError(f"{self!r} has blocked the bot; call unblock() first")
        chat = chat or self._chat()
        target = self._lookup(chat["id"], reply_to) if reply_to is not None else None
        self._person.started = True
        message = self._world.post(chat, self._person.as_user(), content, target)
        where = f"chat {chat['id']} ({self._world.label(chat['id'])})"
        if chat["type"] != "private":
            where += f" {self._person.full_name}"
        self._world.note(f"← {where}: {describe(message)}")
        self._world.enqueue("message", message)
        return message

    def _lookup(self, chat_id: int, ref: int | JSON) -> JSON:
        message_id = ref if isinstance(ref, int) else int(ref["message_id"])
        chat_id = chat_id if isinstance(ref, int) else int(ref["chat"]["id"])
        found = self._world.message(chat_id, message_id)
        if found is None:
            raise LookupError(f"no message {message_id} in chat {chat_id}")
        return found

    def send(self, text: str, *, reply_to: int | JSON | None = None) -> JSON:
        """Send a text message; a leading /command gets its bot_command entity."""
        content: JSON = {"text": text}
        # As Telegram marks them: a slash and Latin letters, digits or underscores, maybe @bot.
        command = COMMAND.match(text)
        if command:
            content["entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_len(command.group())}
            ]
        return self._say(content, reply_to=reply_to)

    def start(self, payload: str | None = None) -> JSON:
        """Press Start, optionally with a deep-link payload."""
        return self.send(f"/start {payload}" if payload else "/start")

    def _media(
        self,
        kind: str,
        size: int,
        caption: str | None,
        *,
        file_name: str | None = None,
        duration: int | None = None,
        emoji: str | None = None,
        album: str | None = None,
    ) -> JSON:
        mime = mimetypes.guess_type(file_name)[0] if file_name else None
        record = self._world.add_file(kind, size, file_name=file_name, mime_type=mime)
        content = media_payload(kind, record, duration=duration, emoji=emoji)
        if caption:
            content["caption"] = caption
        if album is not None:
            # Telegram sends an album as one message per item, tied by this id.
            content["media_group_id"] = album
        return self._say(content)

    def send_photo(self, caption: str | None = None, *, album: str | None = None) -> JSON:
        """Send a photo; photos sent with the same `album` arrive as one media group."""
        return self._media("photo", 48_213, caption, album=album)

    def send_voice(self, duration: int = 3) -> JSON:
        """Send a voice note."""
        return self._media("voice", 9_600 * duration, None, duration=duration)

    def send_document(self, file_name: str = "order.xlsx", caption: str | None = None) -> JSON:
        """Send a document."""
        return self._media("document", 18_432, caption, file_name=file_name)

    def send_sticker(self, emoji: str = "\U0001f44d") -> JSON:
        """Send a sticker."""
        return self._media("sticker", 20_480, None, emoji=emoji)

    def send_location(self, lat: float, lon: float) -> JSON:
        """Share a map point."""
        return self._say({"location": {"latitude": lat, "longitude": lon}})

    def share_contact(
        self,
        phone: str,
        *,
        user_id: int | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
    ) -> JSON:
        """Share a contact, by default the user's own."""
        contact: JSON = {
            "phone_number": phone,
            "first_name": first_name or self.first_name,
            "user_id": self.id if user_id is None else user_id,
        }
        if last_name:
            contact["last_name"] = last_name
        return self._say({"contact": contact})

    def send_in_group(self, group_id: int, title: str, text: str) -> JSON:
        """Write in a group chat the bot is in."""
        kind = "supergroup" if group_id < -1_000_000_000_000 else "group"
        chat = self._world.ensure_chat({"id": group_id, "type": kind, "title": title})
        content: JSON = {"text": text}
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            content["entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_len(command)}
            ]
        return self._say(content, chat=chat)

    def edit(self, message: JSON, new_text: str) -> JSON:
        """Edit one of the user's own messages."""
        stored = self._lookup(self.id, message)
        if stored.get("from", {}).get("id") != self.id:
            raise ValueError("users can only edit their own messages")
        stored["text"] = new_text
        stored.pop("entities", None)
        stored["edit_date"] = int(time.time())
        chat_id = stored["chat"]["id"]
        self._world.note(f"✎ chat {chat_id} ({self._world.label(chat_id)}) edited: {new_text}")
        self._world.enqueue("edited_message", dict(stored))
        return stored

    # Buttons and membership ------------------------------------------------

    def press(self, message: JSON, data: str, *, force: bool = False) -> str:
        """Press the inline button carrying data and return the callback query id."""
        stored = self._world.message(int(message["chat"]["id"]), int(message["message_id"]))
        current = stored if stored is not None else message
        buttons = [
            button
            for row in (current.get("reply_markup") or {}).get("inline_keyboard", [])
            for button in row
            if "callback_data" in button
        ]
        pressed = next((b for b in buttons if b["callback_data"] == data), None)
        if not force and (stored is None or pressed is None):
            offered = [b["callback_data"] for b in buttons]
            raise LookupError(
                f"message {message['message_id']} has no button {data!r}; has {offered}"
            )
        query_id = str(self._world.serial() * 1_000_003 + self.id)
        chat_id = current["chat"]["id"]
        query: JSON = {
            "id": query_id,
            "from": self._person.as_user(),
            "message": dict(current),
            "chat_instance": str(abs(chat_id) * 7 + 11),
            "data": data,
        }
        self._world.open_callbacks[query_id] = query
        label = pressed["text"] if pressed else "?"
        self._world.note(
            f"← chat {chat_id} ({self._world.label(chat_id)}) pressed [{label}] ({data})"
        )
        self._world.enqueue("callback_query", query)
        return query_id

    def _membership(self, old: str, new: str) -> None:
        bot_member = {"user": self._world.bot_user}
        change: JSON = {
            "chat": self._chat(),
            "from": self._person.as_user(),
            "date": int(time.time()),
            "old_chat_member": {**bot_member, "status": old},
            "new_chat_member": {**bot_member, "status": new},
        }
        for member in (change["old_chat_member"], change["new_chat_member"]):
            if member["status"] == "kicked":
                member["until_date"] = 0
        self._world.enqueue("my_chat_member", change)

    def block(self) -> None:
        """Block the bot: later sends fail with 403 and the bot hears about it."""
        if not self._person.blocked:
            self._person.blocked = True
            self._world.note(f"⊘ chat {self.id} ({self._person.full_name}) blocked the bot")
            self._membership("member", "kicked")

    def unblock(self) -> None:
        """Unblock the bot."""
        if self._person.blocked:
            self._person.blocked = False
            self._world.note(f"○ chat {self.id} ({self._person.full_name}) unblocked the bot")
            self._membership("kicked", "member")

    def inbox(self) -> list[JSON]:
        """Return the bot's messages in this user's private chat."""
        return self._world.inbox(self.id)
