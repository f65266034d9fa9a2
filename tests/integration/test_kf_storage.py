"""The reply window's counts and the release of held rows, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from desk.notices import Notice, NoticeKind
from desk.people import Address
from storage.kf import KfLog, Window
from storage.kf_windows import KfWindows, WindowRow
from storage.outbox import Outbox, Settled
from storage.store import SqlStore
from storage.tables import outbox
from tests.databases import BACKENDS, migrated_engine
from tests.unit.fakes import FakeClock

T0 = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
CUSTOMER = Address("wechat", "wmZhang")


@pytest.fixture(params=BACKENDS)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SqlStore]:
    async with migrated_engine(request.param, tmp_path) as engine:
        yield SqlStore(engine, FakeClock(T0))


async def test_a_message_opens_a_fresh_window_and_spending_counts_in_it(store):
    windows = KfWindows(store)
    assert await windows.read("wmZhang") == WindowRow(None, 0)

    await windows.opened("wmZhang", "wkKf", T0)
    assert await windows.spend("wmZhang", lambda window: 2) == 2
    assert await windows.read("wmZhang") == WindowRow(T0, 2)

    await windows.opened("wmZhang", "wkKf", T0 + timedelta(hours=1))
    assert await windows.read("wmZhang") == WindowRow(T0 + timedelta(hours=1), 0)


async def test_spending_sees_the_window_and_takes_only_what_it_allows(store):
    windows = KfWindows(store)
    await windows.opened("wmZhang", "wkKf", T0)
    seen = []

    def take(window: WindowRow) -> int:
        seen.append(window)
        return 0

    assert await windows.spend("wmZhang", take) == 0
    assert seen == [WindowRow(T0, 0)]
    assert await windows.read("wmZhang") == WindowRow(T0, 0)


async def test_give_back_and_use_up_leave_a_newer_window_alone(store):
    windows = KfWindows(store)
    await windows.opened("wmZhang", "wkKf", T0)
    await windows.spend("wmZhang", lambda window: 3)

    await windows.give_back("wmZhang", 1, T0)
    assert await windows.read("wmZhang") == WindowRow(T0, 2)
    await windows.use_up("wmZhang", 5, T0)
    assert await windows.read("wmZhang") == WindowRow(T0, 5)

    later = T0 + timedelta(hours=1)
    await windows.opened("wmZhang", "wkKf", later)
    await windows.use_up("wmZhang", 5, T0)  # a refusal from before they wrote again
    await windows.give_back("wmZhang", 1, T0)
    assert await windows.read("wmZhang") == WindowRow(later, 0)


async def post(store: SqlStore, chat: Address, n: int) -> None:
    async with store.transaction() as ledger:
        for i in range(n):
            await ledger.post(Notice("r1", chat, NoticeKind.ANSWER, "zh", {"text": str(i)}, 1))


async def test_release_parked_makes_only_that_chats_postponed_rows_due(store):
    other = Address("wechat", "wmLiu")
    await post(store, CUSTOMER, 2)
    await post(store, other, 1)
    box = Outbox(store)
    parked = T0 + timedelta(hours=6)
    rows = await box.claim(T0, 10, channel="wechat")
    await box.settle([Settled(p.id, "pending", retry_at=parked) for p in rows], T0)
    store.outbox_posted.clear()

    now = T0 + timedelta(minutes=3)
    released = await box.release_parked("wechat", [CUSTOMER.chat], now)

    assert released == 2
    assert store.outbox_posted.is_set(), "the sender is woken"
    due = await box.claim(now, 10, channel="wechat")
    assert sorted(p.notice.address.chat for p in due) == ["wmZhang", "wmZhang"]
    async with store.reading() as conn:
        waits = (
            (await conn.execute(select(outbox.c.not_before).where(outbox.c.chat_id == "wmLiu")))
            .scalars()
            .all()
        )
    assert waits == [parked]
    assert await box.release_parked("wechat", [CUSTOMER.chat], now) == 0, "nothing left to release"


async def test_release_parked_inside_the_callers_transaction_rolls_back_with_it(store):
    await post(store, CUSTOMER, 1)
    box = Outbox(store)
    parked = T0 + timedelta(hours=6)
    rows = await box.claim(T0, 10, channel="wechat")
    await box.settle([Settled(p.id, "pending", retry_at=parked) for p in rows], T0)

    with pytest.raises(RuntimeError):
        async with store.engine.begin() as conn:
            assert await box.release_parked("wechat", [CUSTOMER.chat], T0, conn) == 1
            raise RuntimeError("storing the message failed")

    assert await box.claim(T0, 10, channel="wechat") == []
    async with store.engine.begin() as conn:
        assert await box.release_parked("wechat", [CUSTOMER.chat], T0, conn) == 1
    assert len(await box.claim(T0, 10, channel="wechat")) == 1


async def test_a_synced_page_opens_each_writers_window_and_releases_what_each_was_held(store):
    liu = Address("wechat", "wmLiu")
    await post(store, CUSTOMER, 1)
    await post(store, liu, 1)
    box = Outbox(store)
    rows = await box.claim(T0, 10, channel="wechat")
    await box.settle([Settled(p.id, "pending", retry_at=T0 + timedelta(hours=6)) for p in rows], T0)
    windows = KfWindows(store)
    later = T0 + timedelta(hours=1)
    await windows.opened("wmWang", "wkKf", later)
    wrote = T0 - timedelta(minutes=5)

    await KfLog(store, "wechat").take(
        "wkKf",
        "cursor-1",
        [],
        [Window(c, "wkKf", wrote) for c in ("wmZhang", "wmLiu", "wmWang", "wmZhang")],
    )

    assert await windows.read("wmZhang") == WindowRow(wrote, 0)
    assert await windows.read("wmLiu") == WindowRow(wrote, 0)
    assert await windows.read("wmWang") == WindowRow(later, 0), "a later window stays"
    due = await box.claim(T0, 10, channel="wechat")
    assert sorted(p.notice.address.chat for p in due) == ["wmLiu", "wmZhang"]
