"""What the console's routes use, handed in once by the composition root."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from typing import Protocol

from desk.commands import Outcome
from desk.context import DeskContext
from reports import DrawChart, FinishedWeeks, IsoWeek, KeptHeatmaps, Standings, chart_process
from reports.live import Figure
from storage.console import ConsoleAccess
from storage.store import SqlStore

log = logging.getLogger(__name__)

# A scope's managers, sorted: whose standings are kept.
Managers = tuple[str, ...]

# This week's figures a page shows are never older than this: past it, a load computes them.
STANDINGS_OLDEST = 300.0


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


class CodeRefused(Enum):
    """Why WeCom named nobody for an OAuth code."""

    # Invalid, spent already, or older than WeCom's five minutes (errcode 40029).
    EXPIRED = "expired"
    # WeCom was unreachable or answered another error: the same code may work again.
    FAILED = "failed"


# Who an OAuth code from WeCom's page belongs to: a member's userid, None for someone outside
# the corp, or why WeCom would not say.
WecomMember = Callable[[str], Awaitable[str | CodeRefused | None]]


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


class KeptStandings:
    """Keep each scope's standings this week, and refresh them off the page once they age.

    This week's figures rank every answer of the scope's week: a few hundred milliseconds on a
    province. A page shows the kept ones, as of when they were computed, and a load that finds
    them older than `fresh` seconds has them computed again in the background for the next.
    Older than `oldest`, they are computed before the page is shown.
    """

    def __init__(self, fresh: float, oldest: float = STANDINGS_OLDEST, size: int = 256) -> None:
        self._fresh = timedelta(seconds=fresh)
        self._oldest = timedelta(seconds=oldest)
        self._size = size
        self._kept: dict[Managers, Standings] = {}
        self._running: dict[Managers, asyncio.Task[None]] = {}

    def get(self, key: Managers, now: datetime, week: IsoWeek) -> Standings | None:
        """Return the standings of week kept under key, unless older than a page may show."""
        found = self._kept.get(key)
        if found is None or found.week != week or now - found.as_of >= self._oldest:
            return None
        return found

    def keep(self, key: Managers, standings: Standings) -> None:
        """Keep standings, forgetting the oldest beyond size."""
        self._kept.pop(key, None)
        self._kept[key] = standings
        while len(self._kept) > self._size:
            del self._kept[next(iter(self._kept))]

    def refresh(
        self, key: Managers, now: datetime, compute: Callable[[], Awaitable[Standings]]
    ) -> None:
        """Compute the standings under key again in the background, if they have aged."""
        kept = self._kept.get(key)
        if (kept is not None and now - kept.as_of < self._fresh) or key in self._running:
            return
        self._running[key] = asyncio.create_task(self._computed(key, compute))

    async def _computed(self, key: Managers, compute: Callable[[], Awaitable[Standings]]) -> None:
        try:
            self.keep(key, await compute())
        except Exception:
            # The page goes on showing the kept figures; the next load tries again.
            log.exception("console: this week's figures of %d managers failed", len(key))
        finally:
            del self._running[key]

    async def settled(self) -> None:
        """Wait for the refreshes under way."""
        await asyncio.gather(*self._running.values(), return_exceptions=True)

    async def close(self) -> None:
        """Stop the refreshes under way, before the store they read closes."""
        for task in self._running.values():
            task.cancel()
        await self.settled()


Charts = Callable[[], AbstractAsyncContextManager[DrawChart]]
"""Open a chart drawer, such as reports.chart_process (a spawned process, as the chat draws)."""


@dataclass
class Kept:
    """What the console keeps between page loads: figures that cannot have changed since."""

    # Finished weeks never change; a heatmap stands for its whole hour.
    finished: FinishedWeeks = field(default_factory=FinishedWeeks)
    heatmaps: KeptHeatmaps = field(default_factory=KeptHeatmaps)
    standings: KeptStandings = field(default_factory=lambda: KeptStandings(15))


@dataclass
class ConsoleServices:
    """The store, the desk's context, the doors and the actions the console works with."""

    settings: ConsoleSettings
    store: SqlStore
    ctx: DeskContext
    access: ConsoleAccess
    steering: Steering | None = None
    wecom: WecomLogin | None = None
    charts: Charts = chart_process
    kept: Kept = field(default_factory=Kept)

    def __post_init__(self) -> None:
        # This week's standings age as fast as the page's live parts.
        self.kept.standings = KeptStandings(self.settings.refresh)

    def login_url(self, token: str) -> str:
        """Return the link the bot sends for a one-time token."""
        return f"{self.settings.public_url}/console/login/{token}"
