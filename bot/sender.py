"""Drain one channel's rows of the outbox through its courier, with backoff and per-chat order."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import random
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta

from bot.tries import Tries, first_window
from desk.clock import Clock
from desk.content import Content
from desk.notices import Attachment, Notice
from desk.people import Address
from desk.service import Desk
from handlers.channel import Courier, Delivery, RowCourier
from handlers.waiting import first_of
from storage import trouble
from storage.outbox import Outbox, Parcel, Settled
from storage.store import SqlStore
from storage.trouble import brief

log = logging.getLogger(__name__)

Fetch = Callable[[Content], Awaitable[Attachment | None]]

STAFF_NOTICES = {"question", "followup", "reminder", "escalation", "reassigned", "nudge"}
# Sends in flight at once, and sends made but not yet recorded: together the most a SIGKILL
# can send twice (marked as repeats). Recording 32 per statement, not 4, is worth ~16 % of
# the relay's throughput.
PARALLEL_CHATS = 8
IN_DOUBT = 32
# Rows recorded as tried ahead of their send: a crash can mark at most these (and the sends in
# flight) as repeats that never went out. The window covers the sends made while a write of
# outcomes is under way (measured: at 16 they waited for it, and cost the relay 10-18 %).
TRY_WINDOW = IN_DOUBT + 2 * PARALLEL_CHATS


Outcome = tuple[Parcel, Delivery]


class Book:
    """Record delivery outcomes in the background as they come, a few per write."""

    # Recording sends as they happen, not at the end of a batch, keeps a crash from sending a
    # whole batch twice. Writing in the background keeps sends flowing while the writer is
    # busy, but only up to `in_doubt` sends: a crash can repeat no more than that. The relay's
    # profile had a write of outcomes, a transaction each, for every 14 sends on average.

    def __init__(
        self, write: Callable[[list[Outcome]], Awaitable[None]], in_doubt: int, least: int = 1
    ) -> None:
        self.write = write
        self.in_doubt = in_doubt
        # A write costs a transaction however few outcomes it holds: they wait until `least`
        # can share one (close() writes the rest), and never beyond `in_doubt`.
        self.least = max(1, min(least, in_doubt))
        self.waiting: list[Outcome] = []
        self.written: set[int] = set()
        self._writing = 0
        self._closing = False
        self._task: asyncio.Task[None] | None = None
        self._progress = asyncio.Event()

    async def add(self, outcomes: list[Outcome]) -> None:
        """Queue outcomes for writing; wait while too many sends are unrecorded."""
        self.waiting += outcomes
        if len(self.waiting) < self.least:
            if self._task is not None and self._task.done():
                self._task.result()
            return
        task = self._writer()
        while len(self.waiting) + self._writing > self.in_doubt and not task.done():
            self._progress.clear()
            await self._progress.wait()
        if task.done():
            task.result()

    async def close(self) -> None:
        """Wait until everything queued is written; raise what a write raised."""
        self._closing = True
        while self.waiting or (self._task is not None and not self._task.done()):
            await self._writer()
        if self._task is not None:
            self._task.result()

    def _writer(self) -> asyncio.Task[None]:
        """Return the running write task, starting one if needed; raise a failed write's error."""
        if self._task is not None and self._task.done():
            self._task.result()
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._flush(), name="outbox-book")
        return self._task

    async def _flush(self) -> None:
        try:
            while len(self.waiting) >= self.least or (self._closing and self.waiting):
                batch, self.waiting = self.waiting, []
                self._writing = len(batch)
                await self.write(batch)
                self.written.update(parcel.id for parcel, _ in batch)
                self._writing = 0
                self._progress.set()
        finally:
            self._progress.set()


def backoff(attempts: int) -> float:
    """Return the wait before retry number `attempts`, doubling up to a minute, jittered."""
    return min(2.0 ** min(attempts, 6), 60.0) * random.uniform(0.5, 1.0)


class Sender:
    """Deliver one channel's outbox rows; a row is marked sent only once the channel took it."""

    def __init__(
        self,
        store: SqlStore,
        outbox: Outbox,
        courier: Courier,
        desk: Desk,
        clock: Clock,
        batch: int = 100,
        parallel_chats: int = PARALLEL_CHATS,
        in_doubt: int = IN_DOUBT,
        try_window: int = TRY_WINDOW,
        idle: float = 30.0,
        on_result: Callable[[str], None] | None = None,
        passing: Callable[[BaseException], bool] = trouble.passing,
        posted: asyncio.Event | None = None,
        fetch: Fetch | None = None,
    ) -> None:
        self.store = store
        # Downloads media sent on another channel, which this channel cannot copy.
        self.fetch = fetch
        self.outbox = outbox
        self.courier = courier
        # Decided once: an isinstance check against a Protocol walks its members on every call,
        # which cost 2 % of the relay's CPU when made for every row.
        self._row_courier = courier if isinstance(courier, RowCourier) else None
        # Rows are routed by their address's channel: this sender claims only its courier's.
        self.channel = courier.channel
        self.passing = passing
        # Set when rows were posted; each channel's sender has its own, so none eats another's.
        self.posted = posted if posted is not None else store.outbox_posted
        self.desk = desk
        self.clock = clock
        self.batch = batch
        # A few chats in flight hide latency; many only queue inside the HTTP pool.
        self._slots = asyncio.Semaphore(parallel_chats)
        # Sends not yet recorded; a crash sends these (and those in flight) again, marked as
        # repeats. Recorded a few dozen at a time, they cost one statement per batch, not each.
        self.in_doubt = in_doubt
        self.try_window = try_window
        # Rows posted by another worker may wake nobody here, so idle waits are bounded.
        self.idle = idle
        self.on_result = on_result
        self.sent = 0
        self.last_error: str | None = None

    async def run(self, stop: asyncio.Event) -> None:
        """Send until stopped; sleep until new rows arrive or a retry falls due."""
        pause = 1.0
        while not stop.is_set():
            self.posted.clear()
            try:
                if await self.send_batch():
                    pause = 1.0
                    continue
                retry_at = await self.outbox.next_retry_at(self.channel)
            except Exception as error:
                await self._pause(stop, pause, error)
                pause = min(pause * 2, 30.0)
                continue
            pause = 1.0
            wait = self.idle
            if retry_at is not None:
                wait = max(0.0, min(wait, (retry_at - self.clock.now()).total_seconds()))
            await first_of(self.posted, stop, within=wait)

    async def _pause(self, stop: asyncio.Event, pause: float, error: Exception) -> None:
        # Rows stay in the outbox (claimed ones until their lease ends); nothing is lost.
        self.last_error = brief(error)
        trace = None if self.passing(error) else error
        log.error("sending paused for %.0fs: %s", pause, self.last_error, exc_info=trace)
        await first_of(stop, within=pause)

    async def drain(self, seconds: float) -> None:
        """Keep sending for up to `seconds` or until nothing is due, for a clean shutdown."""
        deadline = asyncio.get_running_loop().time() + seconds
        while asyncio.get_running_loop().time() < deadline:
            try:
                handled = await asyncio.wait_for(
                    self.send_batch(), deadline - asyncio.get_running_loop().time()
                )
            except TimeoutError:
                return
            except Exception as error:
                self.last_error = brief(error)
                log.error("draining the outbox stopped early: %s", self.last_error)
                return
            if not handled:
                return

    async def send_batch(self) -> int:
        """Claim and deliver one batch; return how many rows were attempted."""
        ahead = functools.partial(first_window, window=self.try_window)
        parcels = await self.outbox.claim(
            self.clock.now(), self.batch, trying=ahead, channel=self.channel
        )
        if not parcels:
            return 0
        by_chat: dict[Address, list[Parcel]] = defaultdict(list)
        for parcel in parcels:
            by_chat[parcel.notice.address].append(parcel)
        tries = Tries(self.outbox.trying, parcels, self.try_window, tried=ahead(parcels))
        book = Book(
            functools.partial(self._record, tries),
            in_doubt=self.in_doubt,
            least=self.in_doubt // 2,
        )
        in_flight: set[int] = set()
        try:
            await asyncio.gather(
                *(self._deliver_chat(p, book, tries, in_flight) for p in by_chat.values())
            )
        except asyncio.CancelledError:
            await self._settle_cut_short(parcels, book, in_flight)
            raise
        await book.close()
        return len(parcels)

    async def _record(self, tries: Tries, outcomes: list[Outcome]) -> None:
        # The same write records the next rows to be tried, ahead of their sends.
        settled = [self._settled(p, d) for p, d in outcomes]
        async with tries.carried() as ahead:
            await self.outbox.settle(settled, self.clock.now(), trying=ahead)
        for parcel, delivery in outcomes:
            await self._after(parcel, delivery)

    async def _settle_cut_short(
        self, parcels: list[Parcel], book: Book, in_flight: set[int]
    ) -> None:
        """Record a batch stopped midway: what went out is sent, what was never tried waits."""
        with contextlib.suppress(Exception):
            await book.close()
        now = self.clock.now()
        known = book.written | {parcel.id for parcel, _ in book.waiting} | in_flight
        untried = [Settled(p.id, "pending", retry_at=now) for p in parcels if p.id not in known]
        # A call cut off in flight may have reached Telegram: left "sending", it goes again marked
        # as a repeat.
        unwritten = [self._settled(p, d) for p, d in book.waiting]
        await self.outbox.settle([*unwritten, *untried], now)

    async def _deliver_chat(
        self, parcels: list[Parcel], book: Book, tries: Tries, in_flight: set[int]
    ) -> None:
        for index, parcel in enumerate(parcels):
            async with self._slots:
                await tries.before(parcel)
                in_flight.add(parcel.id)
                delivery = await self._attempt(parcel)
            in_flight.discard(parcel.id)
            if self.on_result is not None:
                self.on_result(delivery.state)
            if delivery.state == "retry":
                # Keep the chat's order: what follows waits for the failed one (as long, when
                # it is held for the recipient's next word).
                wait = delivery.retry_after if delivery.held else None
                later = [
                    (
                        after,
                        Delivery("retry", error="waiting for an earlier message", retry_after=wait),
                    )
                    for after in parcels[index + 1 :]
                ]
                await book.add([(parcel, delivery), *later])
                return
            await book.add([(parcel, delivery)])

    async def _attempt(self, parcel: Parcel) -> Delivery:
        """Deliver one row; whatever goes wrong stays with that row, never its batch."""
        try:
            notice = await self._with_media(parcel.notice)
        except Exception as error:
            # Only passing trouble reaches here: the fetch turns a lost file into none.
            return Delivery("retry", error=f"media not fetched: {brief(error)}")
        try:
            if self._row_courier is not None:
                return await self._row_courier.deliver_row(parcel.id, notice, repeat=parcel.repeat)
            return await self.courier.deliver(notice, repeat=parcel.repeat)
        except Exception as error:
            # The courier sorts its channel's errors itself; this is what it did not foresee.
            if self.passing(error):
                return Delivery("retry", error=brief(error))
            log.error("outbox %s failed: %s", parcel.id, type(error).__name__, exc_info=error)
            return Delivery("failed", error=type(error).__name__)

    async def _with_media(self, notice: Notice) -> Notice:
        """Attach the file of media relayed from another channel, which cannot be copied here."""
        source = notice.copy_of
        origin = source.origin if source is not None else None
        if source is None or origin is None or origin.channel == self.channel:
            return notice
        if notice.attachment is not None or source.file is None or self.fetch is None:
            return notice
        attachment = await self.fetch(source)
        return replace(notice, attachment=attachment) if attachment is not None else notice

    def _settled(self, parcel: Parcel, delivery: Delivery) -> Settled:
        notice = parcel.notice
        step = None
        if notice.ticket_id is not None and notice.step is not None:
            step = (notice.ticket_id, notice.step, notice.to)
        if delivery.state == "sent":
            self.sent += 1
            return Settled(parcel.id, "sent", message_id=delivery.message_id, escalation=step)
        self.last_error = delivery.error
        if delivery.state == "retry":
            wait = (
                delivery.retry_after
                if delivery.retry_after is not None
                else backoff(parcel.attempts)
            )
            retry_at = self.clock.now() + timedelta(seconds=wait)
            return Settled(parcel.id, "pending", error=delivery.error, retry_at=retry_at)
        if delivery.state == "skipped":
            # Chosen, not failed: nothing for an admin to look at.
            return Settled(parcel.id, "skipped", error=delivery.error)
        state = "blocked" if delivery.state == "unreachable" else "failed"
        log.warning(
            "outbox %s to chat %s %s: %s",
            parcel.id,
            parcel.notice.address.chat,
            state,
            delivery.error,
        )
        return Settled(parcel.id, state, error=delivery.error, escalation=step)

    async def _after(self, parcel: Parcel, delivery: Delivery) -> None:
        notice = parcel.notice
        if delivery.held:
            await self.desk.held(notice, taken=delivery.taken)
        unreachable_staff = (
            delivery.state in {"unreachable", "failed"} and notice.kind.value in STAFF_NOTICES
        )
        if unreachable_staff and notice.ticket_id is not None:
            await self.desk.unreachable(notice.ticket_id, notice.to, notice.step)
