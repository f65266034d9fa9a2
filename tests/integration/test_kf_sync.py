"""The kf sync against the WeCom stand-in: cursor paging, one transaction per page, windows."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import select

from handlers.wecom.api import WecomApi
from handlers.wecom.kf_sync import KfSync
from handlers.wecom.standin import WecomStandin
from storage.inbox import Inbox
from storage.kf import KfLog
from storage.store import SqlStore
from storage.tables import kf_cursors, kf_windows
from tests.databases import BACKENDS, migrated_engine
from tests.unit.fakes import FakeClock

KF = "wkStandinKf"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 12, 7, 3, 0, tzinfo=UTC))


@pytest.fixture
async def wecom(clock: FakeClock) -> AsyncIterator[WecomStandin]:
    async with WecomStandin(clock, tokenless_gap=timedelta(0)) as standin:
        yield standin


@pytest.fixture(params=BACKENDS)
async def store(
    request: pytest.FixtureRequest, tmp_path: Path, clock: FakeClock
) -> AsyncIterator[SqlStore]:
    async with migrated_engine(request.param, tmp_path) as engine:
        yield SqlStore(engine, clock)


@pytest.fixture
async def api(wecom: WecomStandin, clock: FakeClock) -> AsyncIterator[WecomApi]:
    async with aiohttp.ClientSession() as session:
        yield WecomApi(
            session,
            corp_id=wecom.corp_id,
            secret=wecom.secret,
            agent_id=wecom.agent_id,
            clock=clock,
            base_url=wecom.base_url,
        )


def texts(pending: list[str]) -> list[str]:
    found = []
    for payload in pending:
        item = json.loads(payload)["item"]
        if item.get("msgtype") == "text":
            found.append(item["text"]["content"])
    return found


async def stored_texts(store: SqlStore) -> list[str]:
    return texts([p.payload for p in await Inbox(store, "wechat").pending(1000)])


async def test_pages_are_stored_and_the_cursor_moves_with_them(
    wecom: WecomStandin, store: SqlStore, api: WecomApi, clock: FakeClock
) -> None:
    sync = KfSync(api, KfLog(store, "wechat"), KF, clock, page_size=2)
    for n in range(5):
        await wecom.retailer_writes(f"wm{n}", f"问题 {n}", notify=False)
    assert await sync.run(wecom.kf.sync_token(KF)) == 5
    assert await stored_texts(store) == [f"问题 {n}" for n in range(5)]
    # Five items two at a time: three pages, the cursor kept after each.
    assert len(wecom.calls_to("kf/sync_msg")) == 3
    assert await KfLog(store, "wechat").cursor(KF) is not None

    await wecom.retailer_writes("wm9", "新问题", notify=False)
    assert await sync.run(wecom.kf.sync_token(KF)) == 1
    # Read from the stored cursor: only the new item was asked for.
    last = wecom.calls_to("kf/sync_msg")[-1].request
    assert last is not None and last["cursor"]
    assert (await stored_texts(store))[-1] == "新问题"


async def test_a_re_read_page_is_only_a_duplicate(
    wecom: WecomStandin, store: SqlStore, api: WecomApi, clock: FakeClock
) -> None:
    log = KfLog(store, "wechat")
    sync = KfSync(api, log, KF, clock)
    await wecom.retailer_writes("wm1", "软中华有货吗", notify=False)
    assert await sync.run(wecom.kf.sync_token(KF)) == 1
    # A run that stored its page but died before its cursor was kept is impossible (one
    # transaction); reading the page again, as after losing the cursor, adds nothing.
    fresh = KfSync(api, KfLog(store, "wechat"), KF, clock)
    async with store.engine.begin() as conn:
        await conn.execute(kf_cursors.delete())
    assert await fresh.run(wecom.kf.sync_token(KF)) == 0
    assert await stored_texts(store) == ["软中华有货吗"]


async def test_the_first_sync_skips_old_history(
    wecom: WecomStandin, store: SqlStore, api: WecomApi, clock: FakeClock
) -> None:
    await wecom.retailer_writes("wm1", "两天前的消息", notify=False)
    clock.advance(days=2)
    await wecom.retailer_writes("wm1", "刚发的消息", notify=False)
    sync = KfSync(api, KfLog(store, "wechat"), KF, clock)
    assert await sync.run(wecom.kf.sync_token(KF)) == 1
    assert await stored_texts(store) == ["刚发的消息"]


async def test_a_customer_message_reopens_their_window(
    wecom: WecomStandin, store: SqlStore, api: WecomApi, clock: FakeClock
) -> None:
    sync = KfSync(api, KfLog(store, "wechat"), KF, clock)
    await wecom.retailer_writes("wm1", "第一条", notify=False)
    await sync.run(None)
    async with store.engine.begin() as conn:
        await conn.execute(kf_windows.update().values(sent=3))
    clock.advance(minutes=5)
    await wecom.retailer_writes("wm1", "第二条", notify=False)
    await sync.run(wecom.kf.sync_token(KF))
    async with store.reading() as conn:
        row = (await conn.execute(select(kf_windows))).one()
    assert row.external_userid == "wm1" and row.open_kfid == KF and row.sent == 0
    assert row.last_in_at == clock.now()
