"""What is done after a commit: only once the rows written before it can be read."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, insert, select

from storage.store import SqlStore
from storage.tables import console_logins
from tests.databases import migrated_engine
from tests.unit.fakes.clock import FakeClock

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


def login(n: int) -> dict[str, object]:
    return {"token_hash": f"hash-{n}", "staff_id": "s1", "created_at": NOW, "expires_at": NOW}


@pytest.fixture
async def store(tmp_path):
    async with migrated_engine("sqlite", tmp_path) as engine:
        yield SqlStore(engine, FakeClock(NOW))


async def stored(store: SqlStore) -> int:
    async with store.reading() as conn:
        return int((await conn.execute(select(func.count()).select_from(console_logins))).scalar())


async def test_an_action_in_a_group_waits_for_its_commit_and_sees_its_rows(store):
    seen: list[int] = []

    async def look() -> None:
        seen.append(await stored(store))

    async with store.group_commit():
        async with store.transaction() as ledger:
            await ledger.conn.execute(insert(console_logins).values(login(1)))
        await store.after_commit(look)
        assert seen == []

    assert seen == [1]


async def test_an_action_outside_a_group_is_done_at_once(store):
    seen: list[int] = []

    async def look() -> None:
        seen.append(await stored(store))

    async with store.transaction() as ledger:
        await ledger.conn.execute(insert(console_logins).values(login(1)))
    await store.after_commit(look)

    assert seen == [1]


async def test_a_unit_undone_takes_its_actions_with_it_and_a_kept_one_keeps_them(store):
    done: list[str] = []

    def doing(name: str):
        async def action() -> None:
            done.append(name)

        return action

    async with store.group_commit():
        with pytest.raises(RuntimeError):
            async with store.transaction() as ledger:
                await ledger.conn.execute(insert(console_logins).values(login(1)))
                await store.after_commit(doing("undone"))
                raise RuntimeError("the unit fails")
        async with store.transaction() as ledger:
            await ledger.conn.execute(insert(console_logins).values(login(2)))
            await store.after_commit(doing("kept"))

    assert done == ["kept"]
    assert await stored(store) == 1


async def test_a_group_that_fails_does_nothing_after_it(store):
    done: list[str] = []

    async def action() -> None:
        done.append("sent")

    with pytest.raises(RuntimeError):
        async with store.group_commit():
            await store.after_commit(action)
            raise RuntimeError("the batch fails")

    assert done == []


async def test_a_failing_action_neither_undoes_the_batch_nor_stops_the_next(store, caplog):
    done: list[str] = []

    async def broken() -> None:
        raise OSError("network down")

    async def fine() -> None:
        done.append("sent")

    async with store.group_commit():
        async with store.transaction() as ledger:
            await ledger.conn.execute(insert(console_logins).values(login(1)))
        await store.after_commit(broken)
        await store.after_commit(fine)

    assert done == ["sent"]
    assert await stored(store) == 1
    assert "an action after a group commit failed" in caplog.text
