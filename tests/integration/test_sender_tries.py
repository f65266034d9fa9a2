"""A crash mid-batch marks as repeats only the rows that may really have gone out."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

import pytest

from bot.sender import PARALLEL_CHATS, TRY_WINDOW, Sender
from desk.notices import Notice, NoticeKind
from desk.people import Address
from desk.service import Desk
from handlers.channel import Courier, Delivery
from storage.outbox import Outbox
from storage.store import SqlStore
from tests.databases import BACKENDS, migrated_engine

T0 = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
MANAGERS = [5001, 5002, 5003, 5004, 5005]


class StillClock:
    """A clock that stays at 3 a.m."""

    def now(self) -> datetime:
        return T0


class FreezingCourier:
    """Accept the first few sends, then hang every later one, as a process about to die."""

    channel = "telegram"

    def __init__(self, accepted: int) -> None:
        self.accepted = accepted
        self.tried: list[int] = []
        self.hanging = asyncio.Event()
        self._never = asyncio.Event()

    async def deliver(self, notice: Notice, *, repeat: bool = False) -> Delivery:
        self.tried.append(int(notice.address.chat))
        if len(self.tried) > self.accepted:
            if len(self.tried) == self.accepted + PARALLEL_CHATS:
                self.hanging.set()
            await self._never.wait()
        return Delivery("sent", message_id=str(len(self.tried)))


@pytest.fixture(params=BACKENDS)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SqlStore]:
    async with migrated_engine(request.param, tmp_path) as engine:
        yield SqlStore(engine, StillClock())


async def post_burst(store: SqlStore) -> None:
    """Queue an acknowledgement to each of 50 retailers and their question to a manager."""
    async with store.transaction() as ledger:
        for n in range(50):
            retailer = Address("telegram", str(100000 + n))
            manager = Address("telegram", str(MANAGERS[n % len(MANAGERS)]))
            await ledger.post(Notice(f"r{n}", retailer, NoticeKind.ACK, "zh"))
            await ledger.post(Notice(f"m{n % 5}", manager, NoticeKind.QUESTION, "zh"))


async def test_rows_never_tried_come_back_unmarked_after_a_crash(store: SqlStore) -> None:
    await post_burst(store)
    courier = FreezingCourier(accepted=20)
    outbox = Outbox(store)
    sender = Sender(store, outbox, cast(Courier, courier), cast(Desk, None), StillClock())
    sending = asyncio.create_task(sender.send_batch())
    await asyncio.wait_for(courier.hanging.wait(), timeout=10)
    try:
        # The process is gone: a new one frees its leases and claims what was left.
        await outbox.release_leases(T0)
        left = await Outbox(store).claim(T0, 200)
    finally:
        sending.cancel()
        await asyncio.gather(sending, return_exceptions=True)

    assert len(courier.tried) == 20 + PARALLEL_CHATS
    repeats = [parcel for parcel in left if parcel.repeat]
    # The hanging sends may have reached Telegram; beyond them only the window's untried rest.
    assert PARALLEL_CHATS <= len(repeats) <= PARALLEL_CHATS + TRY_WINDOW
    assert len(left) - len(repeats) >= 100 - 20 - PARALLEL_CHATS - TRY_WINDOW
