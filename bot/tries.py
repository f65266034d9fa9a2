"""Record which claimed rows are about to be sent, a window ahead of the sends."""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence

from desk.people import Address
from storage.outbox import Parcel


def likely_order(parcels: Sequence[Parcel]) -> list[Parcel]:
    """Return parcels in the order the sender likely reaches them: chats take turns."""
    # The sender runs one task per chat through a first-come semaphore: every chat's first
    # parcel goes before any chat's second.
    ranks: dict[Address, int] = defaultdict(int)
    ranked = []
    for position, parcel in enumerate(parcels):
        chat = parcel.notice.address
        ranked.append((ranks[chat], position, parcel))
        ranks[chat] += 1
    return [parcel for *_, parcel in sorted(ranked, key=lambda item: item[:2])]


def first_window(parcels: Sequence[Parcel], window: int) -> list[int]:
    """Return the rows a claim records as tried at once: the first `window` to be sent."""
    return [parcel.id for parcel in likely_order(parcels) if not parcel.repeat][:window]


class Tries:
    """Keep `window` rows recorded as tried ahead of the sends, riding on writes made anyway."""

    # A row must be recorded as tried before its send, or a crash would resend it unmarked;
    # a row recorded but never sent comes back wrongly marked as a repeat. The claim records
    # the first window and each write of outcomes tops it up, so the relay pays no statement
    # of its own; only a send that finds its row unrecorded writes alone.

    def __init__(
        self,
        mark: Callable[[list[int]], Awaitable[None]],
        parcels: Sequence[Parcel],
        window: int,
        tried: Iterable[int] = (),
    ) -> None:
        self.mark = mark
        self.window = window
        self.tried = set(tried) | {parcel.id for parcel in parcels if parcel.repeat}
        self.started: set[int] = set()
        self._ahead = [parcel.id for parcel in likely_order(parcels)]
        self._marking: set[int] = set()
        self._landing = asyncio.Event()

    @contextlib.asynccontextmanager
    async def carried(self, first: int | None = None) -> AsyncIterator[list[int]]:
        """Yield the rows a write should record as tried next; note them once it commits."""
        ids = self._next_window(first)
        try:
            yield ids
        except BaseException:
            self._landed(ids, recorded=False)
            raise
        self._landed(ids, recorded=True)

    async def before(self, parcel: Parcel) -> None:
        """Return once this parcel is recorded as tried."""
        while parcel.id not in self.tried:
            if parcel.id in self._marking:
                self._landing.clear()
                await self._landing.wait()
                continue
            async with self.carried(first=parcel.id) as ids:
                await self.mark(ids)
        self.started.add(parcel.id)

    def _next_window(self, first: int | None) -> list[int]:
        """Reserve the rows to record next, so that `window` recorded rows wait to be sent."""
        waiting = len((self.tried | self._marking) - self.started)
        if first is None and self.window - waiting < self.window // 3:
            # A top-up of a few rows would cost a statement in nearly every write of outcomes.
            return []
        ids = [] if first is None else [first]
        for row in self._ahead:
            if len(ids) >= self.window - waiting:
                break
            if row not in self.tried and row not in self._marking and row != first:
                ids.append(row)
        self._marking.update(ids)
        return ids

    def _landed(self, ids: list[int], *, recorded: bool) -> None:
        self._marking.difference_update(ids)
        if recorded:
            self.tried.update(ids)
        self._landing.set()
