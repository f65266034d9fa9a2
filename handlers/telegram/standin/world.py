"""Hold the in-memory state of the stand-in Telegram: chats, messages, updates and calls."""

from __future__ import annotations

import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field

from handlers.telegram.standin.faults import FaultBook
from handlers.telegram.standin.records import (
    JSON,
    ApiError,
    Call,
    FileRecord,
    Person,
    Webhook,
    bad_request,
)

UPDATE_TYPES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "message_reaction",
        "message_reaction_count",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)
# Telegram leaves these out unless a bot asks for them explicitly.
DEFAULT_UPDATE_TYPES = UPDATE_TYPES - {"chat_member", "message_reaction", "message_reaction_count"}


_FILE_PREFIX = {"photo": "AgAC", "document": "BQAC", "voice": "AwAC", "sticker": "CAAC"}
_FILE_DIR = {"photo": "photos", "voice": "voice", "sticker": "stickers", "video": "videos"}


@dataclass
class World:
    """Everything the stand-in knows; methods are synchronous and never touch the network."""

    token: str
    bot_username: str = "retaildesk_bot"
    strict_chats: bool = True
    on_change: Callable[[], None] = field(default=lambda: None, repr=False)
    people: dict[int, Person] = field(default_factory=dict)
    chats: dict[int, JSON] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    answered_callbacks: list[JSON] = field(default_factory=list)
    open_callbacks: dict[str, JSON] = field(default_factory=dict)
    commands: dict[tuple[str, str], list[JSON]] = field(default_factory=dict)
    files: dict[str, FileRecord] = field(default_factory=dict)
    webhook: Webhook = field(default_factory=Webhook)
    faults: FaultBook = field(default_factory=FaultBook)
    allowed_updates: frozenset[str] = DEFAULT_UPDATE_TYPES
    log: list[str] = field(default_factory=list)
    keyboards: dict[int, JSON] = field(default_factory=dict)
    call_counts: Counter[tuple[str, int]] = field(default_factory=Counter)
    deleted: list[tuple[int, int]] = field(default_factory=list)
    _counters: dict[int, int] = field(default_factory=dict)
    _messages: dict[int, dict[int, JSON]] = field(default_factory=dict)
    _inbox: dict[int, list[JSON]] = field(default_factory=dict)
    _bot_messages: set[tuple[int, int]] = field(default_factory=set)
    _updates: deque[JSON] = field(default_factory=deque)
    _next_update_id: int = 1
    _serial: int = 0

    def __post_init__(self) -> None:
        prefix, sep, _ = self.token.partition(":")
        if not sep or not prefix.isdigit():
            raise ValueError(f"token must look like '123456:ABC', got {self.token!r}")
        self.bot_id = int(prefix)
        self.bot_user: JSON = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "RetailDesk",
            "username": self.bot_username,
        }

    def serial(self) -> int:
        """Return a fresh number for ids that only need to be unique."""
        self._serial += 1
        return self._serial

    # Chats -----------------------------------------------------------------

    def add_person(self, person: Person) -> Person:
        """Register or replace a user and their private chat."""
        self.people[person.id] = person
        self.chats[person.id] = person.as_chat()
        self.on_change()
        return person

    def ensure_chat(self, chat: JSON) -> JSON:
        """Remember a chat so the bot may write to it, keeping an existing record."""
        return self.chats.setdefault(int(chat["id"]), chat)

    def resolve_chat_id(self, value: object) -> int:
        """Turn a chat_id parameter (number or @username) into a known numeric id."""
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and value.startswith("@"):
            name = value[1:].lower()
            for chat_id, chat in self.chats.items():
                if chat["type"] != "private" and str(chat.get("username", "")).lower() == name:
                    return chat_id
        raise bad_request("chat not found")

    def writable_chat(self, value: object) -> JSON:
        """Return the chat the bot may send to, or raise the error Telegram would."""
        chat_id = self.resolve_chat_id(value)
        chat = self.chats.get(chat_id)
        person = self.people.get(chat_id)
        if chat is None:
            if self.strict_chats:
                raise bad_request("chat not found")
            if chat_id > 0:
                self.add_person(Person(chat_id, f"User {chat_id}"))
                return self.chats[chat_id]
            kind = "supergroup" if chat_id < -1_000_000_000_000 else "group"
            return self.ensure_chat({"id": chat_id, "type": kind, "title": f"Group {chat_id}"})
        if person is not None:
            if not person.started:
                raise bad_request("chat not found")
            if person.blocked:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    def label(self, chat_id: int) -> str:
        """Name a chat for transcripts."""
        person = self.people.get(chat_id)
        if person is not None:
            return person.full_name
        chat = self.chats.get(chat_id, {})
        return str(chat.get("title") or chat.get("first_name") or "?")

    # Messages --------------------------------------------------------------

    def post(
        self,
        chat: JSON,
        sender: JSON | None,
        content: JSON,
        reply_to: JSON | None = None,
        *,
        by_bot: bool | None = None,
    ) -> JSON:
        """Create and store a message; no sender means the bot, or a channel's admins."""
        chat_id = int(chat["id"])
        by_bot = sender is None if by_bot is None else by_bot
        message_id = self._counters.get(chat_id, 0) + 1
        self._counters[chat_id] = message_id
        message: JSON = {"message_id": message_id}
        if sender is not None:
            message["from"] = sender
        elif chat["type"] == "channel":
            message["sender_chat"] = chat
        else:
            message["from"] = self.bot_user
        message["chat"] = chat
        message["date"] = int(time.time())
        if reply_to is not None:
            message["reply_to_message"] = {
                k: v for k, v in reply_to.items() if k != "reply_to_message"
            }
        message.update(content)
        self._messages.setdefault(chat_id, {})[message_id] = message
        if by_bot:
            self._inbox.setdefault(chat_id, []).append(message)
            self._bot_messages.add((chat_id, message_id))
        return message

    def message(self, chat_id: int, message_id: int) -> JSON | None:
        """Return a stored message, None if it never existed or was deleted."""
        return self._messages.get(chat_id, {}).get(message_id)

    def is_bot_message(self, message: JSON) -> bool:
        """Tell whether the bot wrote this message."""
        return (message["chat"]["id"], message["message_id"]) in self._bot_messages

    def remove(self, chat_id: int, message_id: int) -> JSON | None:
        """Delete a stored message and drop it from the inbox."""
        message = self._messages.get(chat_id, {}).pop(message_id, None)
        if message is not None:
            inbox = self._inbox.get(chat_id, [])
            for index, candidate in enumerate(inbox):
                if candidate is message:
                    del inbox[index]
                    break
            self._bot_messages.discard((chat_id, message_id))
            self.deleted.append((chat_id, message_id))
        return message

    def inbox(self, chat_id: int) -> list[JSON]:
        """Return the bot's live messages in a chat, oldest first."""
        return self._inbox.get(chat_id, [])

    @property
    def bot_message_count(self) -> int:
        """Return how many of the bot's messages are live in all chats."""
        return len(self._bot_messages)

    # Updates ---------------------------------------------------------------

    def enqueue(self, kind: str, payload: JSON) -> int:
        """Queue an update of the given kind and return its update_id."""
        # A snapshot, so later edits to the stored message do not rewrite queued history.
        return self.enqueue_raw({kind: dict(payload)})

    def enqueue_raw(self, update: JSON) -> int:
        """Queue an update payload verbatim under a fresh update_id."""
        update_id = self._next_update_id
        self._next_update_id += 1
        self._updates.append({"update_id": update_id, **update})
        self._learn_chats(update)
        self.on_change()
        return update_id

    def _learn_chats(self, update: JSON) -> None:
        # Raw updates may carry chats the stand-in has not met; the bot must be able to answer.
        for value in update.values():
            if isinstance(value, dict):
                chat = value.get("chat")
                if isinstance(chat, dict) and isinstance(chat.get("id"), int):
                    if chat.get("type") == "private" and chat["id"] not in self.people:
                        name = str(chat.get("first_name") or f"User {chat['id']}")
                        self.people[chat["id"]] = Person(chat["id"], name)
                    self.ensure_chat(chat)

    @property
    def pending_updates(self) -> int:
        """Count updates not yet confirmed by the bot."""
        return len(self._updates)

    def confirm(self, offset: int) -> None:
        """Forget updates below offset; a negative offset keeps only the last -offset."""
        if offset < 0:
            while len(self._updates) > -offset:
                self._updates.popleft()
            return
        while self._updates and self._updates[0]["update_id"] < offset:
            self._updates.popleft()

    def drop_updates(self) -> None:
        """Forget every pending update."""
        self._updates.clear()

    def peek_updates(self, limit: int) -> list[JSON]:
        """Return up to limit pending updates the bot allows, discarding unwanted ones."""
        result: list[JSON] = []
        unwanted = False
        for update in self._updates:
            if len(result) >= limit:
                break
            if self._wanted(update):
                result.append(update)
            else:
                unwanted = True
        if unwanted:
            self._updates = deque(u for u in self._updates if self._wanted(u))
        return result

    def _wanted(self, update: JSON) -> bool:
        kinds = [key for key in update if key in UPDATE_TYPES]
        return not kinds or kinds[0] in self.allowed_updates

    def set_allowed_updates(self, kinds: object) -> None:
        """Apply an allowed_updates parameter; an empty list restores the default."""
        if not isinstance(kinds, list) or not all(isinstance(k, str) for k in kinds):
            raise bad_request("can't parse allowed_updates JSON array")
        self.allowed_updates = frozenset(kinds) & UPDATE_TYPES or DEFAULT_UPDATE_TYPES

    def forget_update(self, update_id: int) -> None:
        """Drop one delivered update from the head of the queue."""
        if self._updates and self._updates[0]["update_id"] == update_id:
            self._updates.popleft()
            self.on_change()

    # Files, calls and the transcript ----------------------------------------

    def add_file(
        self,
        kind: str,
        size: int,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
        data: bytes | None = None,
    ) -> FileRecord:
        """Register a stored file and give it Telegram-looking identifiers."""
        n = self.serial()
        extension = (file_name or "").rpartition(".")[2] if file_name and "." in file_name else ""
        default_ext = {"photo": "jpg", "voice": "oga", "sticker": "webp", "video": "mp4"}
        ext = extension or default_ext.get(kind, "bin")
        record = FileRecord(
            file_id=f"{_FILE_PREFIX.get(kind, 'BAAC')}AgIAAxkBAAI{n:08d}",
            file_unique_id=f"AQAD{n:08d}",
            file_size=size,
            file_path=f"{_FILE_DIR.get(kind, 'documents')}/file_{n}.{ext}",
            file_name=file_name,
            mime_type=mime_type,
            data=data,
        )
        self.files[record.file_id] = record
        return record

    def record(self, method: str, params: JSON, at: float, status: int) -> Call:
        """Remember a call and wake anyone waiting on it."""
        call = Call(method, params, at, status)
        self.calls.append(call)
        self.call_counts[method, status] += 1
        self.on_change()
        return call

    def note(self, line: str) -> None:
        """Append a line to the human-readable transcript."""
        self.log.append(line)
