"""Keeping updates: posts that arrive together share one write, each caller told of its own."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.inbox import Arrival, Inbox
from storage.store import SqlStore
from tests.databases import BACKENDS, migrated_engine
from tests.unit.fakes import FakeClock

T0 = datetime(2026, 11, 26, 19, 0, tzinfo=UTC)


@pytest.fixture(params=BACKENDS)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SqlStore]:
    async with migrated_engine(request.param, tmp_path) as engine:
        yield SqlStore(engine, FakeClock(T0))


def commits(engine: AsyncEngine) -> list[object]:
    """Return a list that grows by one at every commit on the engine."""
    counted: list[object] = []

    def count(conn: Any) -> None:
        counted.append(conn)

    event.listen(engine.sync_engine, "commit", count)
    return counted


def post(update_id: int, payload: str = "{}") -> list[Arrival]:
    return [Arrival(update_id, f"chat{update_id}", payload)]


async def test_posts_that_arrive_while_one_is_written_share_the_next_write(
    store: SqlStore,
) -> None:
    inbox = Inbox(store, "wechat")
    counted = commits(store.engine)

    kept = await asyncio.gather(*(inbox.keep(post(i), T0) for i in range(1, 51)))

    assert kept == [1] * 50
    # The first writes alone; the other 49 came while it wrote, and wait for one commit, not
    # for 49 queued behind each other.
    assert len(counted) == 2
    assert sorted(p.update_id for p in await inbox.pending()) == list(range(1, 51))


async def test_an_update_posted_twice_in_one_write_is_new_for_its_first_caller_only(
    store: SqlStore,
) -> None:
    inbox = Inbox(store)
    assert await inbox.keep(post(1), T0) == 1

    kept = await asyncio.gather(
        inbox.keep(post(2), T0),
        # These three share a write: 1 was kept before, 3 comes twice.
        inbox.keep([*post(1), *post(3)], T0),
        inbox.keep(post(3), T0),
        inbox.keep(post(4), T0),
    )

    assert kept == [1, 1, 0, 1]


async def test_a_failed_write_fails_every_caller_in_it_and_stores_none_of_their_rows(
    store: SqlStore,
) -> None:
    inbox = Inbox(store)
    unstorable = [Arrival(2, "chat2", None)]  # type: ignore[arg-type]

    kept = await asyncio.gather(
        inbox.keep(post(1), T0),
        # These two share a write, which the second's missing payload undoes for both.
        inbox.keep(unstorable, T0),
        inbox.keep(post(3), T0),
        return_exceptions=True,
    )

    assert kept[0] == 1
    assert isinstance(kept[1], IntegrityError)
    assert kept[2] is kept[1], "not stored, so not confirmed"
    assert [p.update_id for p in await inbox.pending()] == [1]
    # The channel posts it again, and this time it is kept.
    assert await inbox.keep(post(3), T0) == 1


async def test_a_caller_that_gives_up_waiting_keeps_nothing_and_holds_nobody_up(
    tmp_path: Path,
) -> None:
    async with migrated_engine("sqlite", tmp_path) as engine:
        store = SqlStore(engine, FakeClock(T0))
        inbox = Inbox(store)
        async with store.writing():
            # Both wait for the writer, which the intake (say) holds.
            gone = asyncio.create_task(inbox.keep(post(1), T0))
            kept = asyncio.create_task(inbox.keep(post(2), T0))
            await asyncio.sleep(0)
            gone.cancel()
            with pytest.raises(asyncio.CancelledError):
                await gone
        assert await kept == 1
        assert [p.update_id for p in await inbox.pending()] == [2]
