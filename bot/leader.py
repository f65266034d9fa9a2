"""Elect one sender per channel across workers; the others only take that channel's updates in.

A channel's rate limits are its own (Telegram's are per bot), so one process drains each channel's
rows of the outbox. On PostgreSQL the sender holds an advisory lock, keyed by the channel and what
the sender stands for, on a session of its own for as long as it lives; every other worker tries
the lock about once a second and takes over within seconds when the sender dies. On SQLite there is
one process, and it is the sender of every channel.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Awaitable, Callable, Sequence

from sqlalchemy.exc import SQLAlchemyError

from handlers.waiting import first_of
from storage.locks import SessionLock, advisory_key, notify
from storage.store import SqlStore

log = logging.getLogger(__name__)

OUTBOX_CHANNEL = "retaildesk_outbox"

Duty = Callable[[asyncio.Event], Awaitable[None]]


class Seat:
    """Hold a sender's seat when it is free and run the sender's duty only while holding it."""

    def __init__(
        self,
        store: SqlStore,
        key: str,
        duty: Duty,
        *,
        heard: Callable[[], None] | None = None,
        every: float = 1.0,
        grace: float = 3.0,
    ) -> None:
        self.store = store
        self.duty = duty
        # What a NOTIFY from another worker wakes here: this worker's senders, not its beacon.
        self.heard = heard or store.outbox_posted.set
        self.every = every
        # How long a deposed sender may still be finishing a send; see _serve.
        self.grace = grace
        shared = store.dialect == "postgresql"
        self.lock = SessionLock(store.engine, advisory_key("sender", key)) if shared else None
        self.leading = not shared

    async def run(self, stop: asyncio.Event) -> None:
        """Seek or keep the seat until stopped; the duty runs only while the seat is held."""
        if self.lock is None:
            await self.duty(stop)
            return
        duty: asyncio.Task[None] | None = None
        try:
            while not stop.is_set():
                holding = await self._hold()
                if holding and duty is None:
                    duty = asyncio.create_task(self._serve(stop), name="sender")
                elif not holding and duty is not None:
                    duty.cancel()
                    await asyncio.gather(duty, return_exceptions=True)
                    duty = None
                if duty is not None and duty.done():
                    duty.result()  # A crashed sender crashes the worker, as in polling mode.
                await first_of(stop, within=self.every)
        finally:
            if duty is not None:
                # On stop the duty ends by itself; the seat is kept for the final drain.
                with contextlib.suppress(asyncio.CancelledError):
                    await duty

    async def _hold(self) -> bool:
        assert self.lock is not None
        try:
            if self.lock.held:
                still = await self.lock.check()
                if not still:
                    log.error("lost the sender's seat; this worker stops sending")
                self.leading = still
                return still
            if await self.lock.try_acquire():
                log.info("elected sender (pid %d)", os.getpid())
                await self.lock.listen(OUTBOX_CHANNEL, self.heard)
                self.leading = True
                return True
        except (SQLAlchemyError, OSError) as error:
            log.warning("cannot reach the database for the sender's seat: %s", error)
            await self.lock.release()
        self.leading = False
        return False

    async def _serve(self, stop: asyncio.Event) -> None:
        # A sender that lost its session notices within `every` seconds and stops; waiting a
        # little longer before taking over its leases keeps two senders from sending one row.
        if not await first_of(stop, within=self.grace):
            await self.duty(stop)

    async def release(self) -> None:
        """Give the seat up, after the final drain."""
        self.leading = False
        if self.lock is not None:
            await self.lock.release()


class Beacon:
    """Tell the sender in another worker that the outbox has new rows (PostgreSQL NOTIFY)."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store
        self.rung = asyncio.Event()

    def ring(self) -> None:
        """Note that rows were posted; the next NOTIFY covers every ring before it."""
        self.rung.set()

    async def run(self, stop: asyncio.Event, seats: Sequence[Seat]) -> None:
        """Send a NOTIFY after posts made while another worker holds a seat."""
        while not stop.is_set():
            await first_of(self.rung, stop, within=30.0)
            if not self.rung.is_set():
                continue
            self.rung.clear()
            if all(seat.leading for seat in seats):
                continue  # This worker's own senders were woken directly.
            try:
                await notify(self.store.engine, OUTBOX_CHANNEL)
            except (SQLAlchemyError, OSError) as error:
                # The sender also polls, so a lost nudge only delays a message a little.
                log.warning("could not nudge the sender: %s", error)


class Posted(asyncio.Event):
    """The store's outbox signal, passed on to each sender here and to the beacon, if any."""

    def __init__(self, *wakes: Callable[[], None]) -> None:
        super().__init__()
        self._wakes = wakes

    def set(self) -> None:
        """Wake local waiters, each sender and the beacon."""
        super().set()
        for wake in self._wakes:
            wake()
