"""Value types and helpers shared by the stand-in's state, methods and server."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]


class ApiError(Exception):
    """Signal a Bot API error response."""

    def __init__(self, code: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> JSON:
        """Render the error the way Telegram does."""
        body: JSON = {"ok": False, "error_code": self.code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(detail: str) -> ApiError:
    """Build a 400 error with Telegram's description prefix."""
    return ApiError(400, f"Bad Request: {detail}")


def utf16_len(text: str) -> int:
    """Count UTF-16 code units, the unit Telegram uses for lengths and offsets."""
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True)
class Call:
    """One Bot API request as the stand-in saw it; status 0 means no response was sent."""

    method: str
    params: JSON
    at: float
    status: int


@dataclass
class Person:
    """A Telegram user known to the stand-in."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    started: bool = True
    blocked: bool = False

    @property
    def full_name(self) -> str:
        """Return the name Telegram clients display."""
        return f"{self.first_name} {self.last_name}" if self.last_name else self.first_name

    def as_user(self) -> JSON:
        """Render as a Bot API User."""
        user: JSON = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    def as_chat(self) -> JSON:
        """Render the private chat with this user as a Bot API Chat."""
        chat: JSON = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name:
            chat["last_name"] = self.last_name
        if self.username:
            chat["username"] = self.username
        return chat


@dataclass
class FileRecord:
    """A file Telegram would store: uploaded by the bot or sent by a user."""

    file_id: str
    file_unique_id: str
    file_size: int
    file_path: str
    file_name: str | None = None
    mime_type: str | None = None
    data: bytes | None = None

    def as_file(self) -> JSON:
        """Render as a Bot API File."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.file_size,
            "file_path": self.file_path,
        }

    def content(self) -> bytes:
        """Return the bytes a download yields, inventing filler for files never uploaded."""
        return self.data if self.data is not None else b"\0" * self.file_size


@dataclass(frozen=True)
class Upload:
    """A file the bot uploaded in a multipart request."""

    file_name: str
    mime_type: str
    data: bytes = field(repr=False)

    @property
    def size(self) -> int:
        """Return the upload's size in bytes."""
        return len(self.data)


@dataclass
class Webhook:
    """The webhook configuration and delivery status."""

    url: str = ""
    secret_token: str | None = None
    max_connections: int = 40
    last_error_date: int | None = None
    last_error_message: str | None = None
    delivered: int = 0


def media_payload(
    kind: str, record: FileRecord, *, duration: int | None = None, emoji: str | None = None
) -> JSON:
    """Render a stored file as the message field Telegram uses for its kind."""
    base: JSON = {
        "file_id": record.file_id,
        "file_unique_id": record.file_unique_id,
        "file_size": record.file_size,
    }
    if kind == "photo":
        return {"photo": [{**base, "width": 1280, "height": 960}]}
    if kind == "sticker":
        sticker = {**base, "type": "regular", "width": 512, "height": 512}
        sticker.update(is_animated=False, is_video=False, emoji=emoji or "\U0001f44d")
        return {"sticker": sticker}
    if record.file_name:
        base["file_name"] = record.file_name
    default_mime = {"voice": "audio/ogg", "audio": "audio/mpeg", "video": "video/mp4"}
    base["mime_type"] = record.mime_type or default_mime.get(kind, "application/octet-stream")
    if kind in ("voice", "audio", "video"):
        base["duration"] = duration if duration is not None else 3
    if kind == "video":
        base.update(width=1280, height=720)
    return {kind: base}


MEDIA_KINDS = ("photo", "document", "voice", "audio", "video", "sticker")


def describe(message: JSON) -> str:
    """Summarise a message in one line for transcripts."""
    parts: list[str] = []
    for kind in MEDIA_KINDS:
        if kind in message:
            name = message[kind].get("file_name") if isinstance(message[kind], dict) else None
            parts.append(f"[{kind} {name}]" if name else f"[{kind}]")
    if "location" in message:
        loc = message["location"]
        parts.append(f"[location {loc.get('latitude')},{loc.get('longitude')}]")
    if "contact" in message:
        parts.append(f"[contact {message['contact'].get('phone_number')}]")
    text = message.get("text") or message.get("caption")
    if text:
        parts.append(str(text))
    markup = message.get("reply_markup") or {}
    for row in markup.get("inline_keyboard", []):
        parts.append(" ".join(f"[{button.get('text')}]" for button in row))
    return " ".join(parts) or "[message]"
