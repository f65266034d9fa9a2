"""What a retailer or manager sent, in channel-neutral terms."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from desk.people import Address


class ContentKind(StrEnum):
    """Kinds of message content the desk relays."""

    TEXT = "text"
    PHOTO = "photo"
    VOICE = "voice"
    DOCUMENT = "document"
    LOCATION = "location"
    VIDEO = "video"


MAX_TEXT = 4000


@dataclass(frozen=True)
class Content:
    """One message's content and where its channel keeps the original."""

    kind: ContentKind
    text: str = ""
    # The chat the original was sent in, and its id there: on the same channel, relaying
    # copies it; another channel fetches the file by `file` and uploads it again.
    origin: Address | None = None
    message: str | None = None
    # The channel's own reference to the media file, and its size in bytes when known.
    file: str | None = None
    size: int | None = None

    @property
    def is_media(self) -> bool:
        """Say whether relaying needs a copy of the original message."""
        return self.kind is not ContentKind.TEXT

    def preview(self, limit: int = 200) -> str:
        """Return a short one-line preview for notifications."""
        flat = " ".join(self.text.split())
        return flat if len(flat) <= limit else flat[: limit - 1] + "…"


@dataclass(frozen=True)
class HeldMessage:
    """A retailer's message kept back until they say who it is for."""

    retailer_id: str
    content: Content
    at: datetime
