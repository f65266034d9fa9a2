"""What the console's routes use, handed in once by the composition root."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from desk.commands import Outcome
from desk.context import DeskContext
from reports.live import Figure
from storage.console import ConsoleAccess
from storage.store import SqlStore


class Steering(Protocol):
    """The desk's actions a console form starts: nudge and reassign, as desk commands."""

    async def nudge(self, staff_id: str, ticket_id: int) -> Outcome:
        """Remind a ticket's assignee now."""
        ...

    async def reassign(
        self, staff_id: str, ticket_id: int, manager_id: str, reason: str
    ) -> Outcome:
        """Hand a ticket to another manager, with a reason; the retailer is told."""
        ...


# Who an OAuth code from WeCom's page belongs to: a member's userid, or None for anyone else.
WecomMember = Callable[[str], Awaitable[str | None]]


@dataclass(frozen=True)
class WecomLogin:
    """How the console sends a WeCom app user through OAuth (snsapi_base) and back."""

    corp_id: str
    agent_id: int
    authorize_url: str
    member: WecomMember


@dataclass(frozen=True)
class ConsoleSettings:
    """The console's part of the config."""

    public_url: str
    refresh: int = 15
    # Past how many tickets each number of the live strip turns red.
    thresholds: Mapping[Figure, int] = field(default_factory=dict)

    @property
    def secure(self) -> bool:
        """Say whether browsers reach the console over https, so cookies say Secure."""
        return self.public_url.startswith("https://")


@dataclass
class ConsoleServices:
    """The store, the desk's context, the doors and the actions the console works with."""

    settings: ConsoleSettings
    store: SqlStore
    ctx: DeskContext
    access: ConsoleAccess
    steering: Steering | None = None
    wecom: WecomLogin | None = None

    def login_url(self, token: str) -> str:
        """Return the link the bot sends for a one-time token."""
        return f"{self.settings.public_url}/console/login/{token}"
