"""An in-memory channel that plugs into the real app beside Telegram, through the Channel port."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from starlette.routing import BaseRoute

from desk.content import Content, ContentKind
from desk.notices import Attachment, Notice
from desk.service import Desk
from handlers.channel import Delivery, Tally
from handlers.waiting import first_of
from storage import trouble
from storage.inbox import Arrival, Inbox, Pending
from storage.store import SqlStore

Handler = Callable[[Desk, dict[str, Any]], Awaitable[None]]


@dataclass
class FakeCourier:
    """Record every notice as delivered, numbering them like a channel's message ids."""

    channel: str
    delivered: list[Notice] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def deliver(self, notice: Notice, *, repeat: bool = False) -> Delivery:
        """Keep the notice and say it was sent."""
        self.delivered.append(notice)
        self.arrived.set()
        return Delivery("sent", message_id=str(len(self.delivered)))

    def to(self, chat: str) -> list[Notice]:
        """Return what was delivered to one chat, in order."""
        return [n for n in self.delivered if n.address.chat == chat]


class FakeChannel:
    """A channel whose people write through say() and whose notices land in a list."""

    def __init__(
        self, desk: Desk, store: SqlStore, name: str = "fake", handler: Handler | None = None
    ) -> None:
        self.name = name
        self.desk = desk
        self.courier = FakeCourier(name)
        self.sender_key = name
        self.inbox = Inbox(store, name)
        # Turns one stored update into desk commands; without one, updates are only kept.
        self.handler = handler
        self.handled: list[dict[str, Any]] = []
        self._arrived = asyncio.Event()
        self._next_id = 0
        # Files people sent on this channel, by the reference a message carries.
        self.files: dict[str, bytes] = {}

    @classmethod
    def maker(cls, name: str = "fake", handler: Handler | None = None) -> Any:
        """Return what build(extra=...) takes to add this channel."""
        return lambda desk, store: cls(desk, store, name, handler)

    async def say(self, chat: str, **update: Any) -> None:
        """Store an update from a chat in the inbox, as the channel's inbound side would."""
        self._next_id += 1
        body = {"id": self._next_id, "chat": chat, **update}
        arrival = Arrival(self._next_id, chat, json.dumps(body))
        await self.inbox.keep([arrival], self.desk.ctx.clock.now())
        self._arrived.set()

    async def fetch(self, content: Content) -> Attachment | None:
        """Return the file a chat of this channel sent, kept in memory by its reference."""
        data = self.files.get(content.file or "")
        return (
            Attachment(content.file or "file", data, content.kind is ContentKind.PHOTO)
            if data
            else None
        )

    def passing(self, error: BaseException) -> bool:
        """Say whether an error is the database out of reach; this channel has no network."""
        return trouble.passing(error)

    async def open(self, *, polling: bool) -> None:
        """Take nothing: updates arrive through say()."""

    async def close(self) -> None:
        """Let go of nothing."""

    async def poll(self, stop: asyncio.Event) -> None:
        """Wait for the stop: say() stores updates as they come."""
        await stop.wait()

    async def handle(self, stop: asyncio.Event) -> None:
        """Hand stored updates to the handler, settling each once handled."""
        while not stop.is_set():
            self._arrived.clear()
            for entry in await self.inbox.pending(100):
                await self._handle(entry)
            await first_of(self._arrived, stop, within=1.0)

    async def _handle(self, entry: Pending) -> None:
        update = json.loads(entry.payload)
        if self.handler is not None:
            await self.handler(self.desk, update)
        self.handled.append(update)
        await self.inbox.settle([entry.id])

    def routes(self, tally: Tally) -> Sequence[BaseRoute]:
        """Return no webhook routes."""
        return []

    async def lead(self, stop: asyncio.Event) -> None:
        """Do nothing beyond sending."""
