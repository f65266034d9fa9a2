"""The Channel port: what every channel adapter gives the runtime, and the outcome types they share.

A channel takes its updates in (a polling loop, webhook routes, or both), storing each one in
the inbox before the channel is told it arrived, and hands them to the desk; it delivers the
desk's notices through its courier and says how each attempt went. bot/app.py builds the
configured channels, runs their inbound sides, and runs one elected sender per channel.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from starlette.routing import BaseRoute

from desk.content import Content
from desk.notices import Attachment, Notice


@dataclass(frozen=True)
class Delivery:
    """The outcome of one attempt: sent, retry later, unreachable (gone), or failed for good.

    A channel that may not write now (a reply window closed) answers `retry` with `held`: the
    staff member is told at once, and the row waits. One that chose not to spend a scarce
    message on an extra answers `skipped`.
    """

    state: str
    message_id: str | None = None
    error: str | None = None
    retry_after: float | None = None
    held: bool = False
    # Held because a person serves the recipient directly, not because of the window.
    taken: bool = False


class Courier(Protocol):
    """Render a notice in a channel's terms and send it, classifying what happened."""

    @property
    def channel(self) -> str:
        """Return the name of the channel whose addresses this courier reaches."""
        ...

    async def deliver(self, notice: Notice, *, repeat: bool = False) -> Delivery:
        """Send a notice; report the channel's own errors as a Delivery, never raise them."""
        ...


@runtime_checkable
class RowCourier(Protocol):
    """A courier that needs the outbox row's id, e.g. as an idempotency key for its channel."""

    async def deliver_row(self, row: int, notice: Notice, *, repeat: bool = False) -> Delivery:
        """Send the notice stored in outbox row `row`; same contract as Courier.deliver."""
        ...


class Tally(Protocol):
    """Count what an inbound side took in and what it refused."""

    def received(self) -> None:
        """Count one update stored."""
        ...

    def rejected(self, reason: str) -> None:
        """Count one post refused, by reason."""
        ...


class InboundHeldError(Exception):
    """Another process already takes this channel's updates in, and the channel allows one."""


class Channel(Protocol):
    """One way people reach the desk: its updates in, its notices out."""

    @property
    def name(self) -> str:
        """Return the name addresses on this channel carry (Address.channel)."""
        ...

    @property
    def courier(self) -> Courier:
        """Return what delivers the desk's notices on this channel."""
        ...

    @property
    def sender_key(self) -> str:
        """Return what one elected sender stands for, such as the bot whose rate limits apply."""
        ...

    def passing(self, error: BaseException) -> bool:
        """Say whether an error is passing trouble (the channel or the database out of reach)."""
        ...

    async def open(self, *, polling: bool) -> None:
        """Get ready to take updates in by polling or by webhook; raise InboundHeldError."""
        ...

    async def close(self) -> None:
        """Let go of what open() took."""
        ...

    async def poll(self, stop: asyncio.Event) -> None:
        """Fetch updates into the inbox until stopped (cancelled at stop: a long poll may wait)."""
        ...

    async def handle(self, stop: asyncio.Event) -> None:
        """Hand stored updates to the desk until stopped."""
        ...

    def routes(self, tally: Tally) -> Sequence[BaseRoute]:
        """Return the webhook routes, each storing an update before answering its post."""
        ...

    async def lead(self, stop: asyncio.Event) -> None:
        """Do what this channel's elected sender does beside sending (menus, webhook address)."""
        ...

    async def fetch(self, content: Content) -> Attachment | None:
        """Download the file of a media message sent on this channel, for another to upload."""
        ...
