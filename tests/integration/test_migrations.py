"""The migrations build exactly the schema storage/tables.py describes, on every backend."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import BigInteger, Column, DateTime, String, insert, select, table
from sqlalchemy.engine import Connection

from storage.migrate import MIGRATIONS, downgrade, upgrade
from storage.tables import contacts, metadata, retailers
from tests.databases import BACKENDS, migrated_engine

AT = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
VERSIONS = MIGRATIONS / "versions"


def _differences(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": False})
    return list(compare_metadata(context, metadata))


@pytest.mark.parametrize("backend", BACKENDS)
async def test_migrated_schema_matches_the_tables(backend: str, tmp_path: Path) -> None:
    async with migrated_engine(backend, tmp_path) as engine, engine.connect() as conn:
        differences = await conn.run_sync(_differences)
    assert differences == []


# Phones as the code before E.164 stored them: national digits, China's 86 dropped.
STORED = {
    "r1": ("13800138001", "+8613800138001"),
    "r2": ("01012345678", "+861012345678"),
    # The Chinese mobile 134-7555-0123 stays Chinese: a migration reads every phone in CN.
    "r3": ("13475550123", "+8613475550123"),
    # No valid number in China: kept exactly as it was, for `retaildesk check` to name.
    "r4": ("5550123", "5550123"),
    "r5": ("1390013900", "1390013900"),
}


# The retailers table as revision 0004 has it: a Telegram chat of its own on each row.
RETAILERS_AT_0004 = table(
    "retailers",
    *(Column(name, String) for name in ("id", "name", "shop", "phone", "manager_id")),
    Column("telegram_id", BigInteger),
    Column("updated_at", DateTime(timezone=True)),
)


@pytest.mark.parametrize("backend", BACKENDS)
async def test_stored_phones_become_e164_and_none_is_lost(backend: str, tmp_path: Path) -> None:
    async with migrated_engine(backend, tmp_path) as engine:
        await downgrade(engine, "0004")
        async with engine.begin() as conn:
            await conn.execute(
                insert(RETAILERS_AT_0004),
                [
                    {
                        "id": rid,
                        "name": "店主",
                        "shop": "小店",
                        "phone": old,
                        "manager_id": "m1",
                        "telegram_id": 9000 + n,
                        "updated_at": AT,
                    }
                    for n, (rid, (old, _)) in enumerate(STORED.items())
                ],
            )
        await upgrade(engine)
        async with engine.connect() as conn:
            upgraded = dict((await conn.execute(select(retailers.c.id, retailers.c.phone))).all())
            chats = set((await conn.execute(select(contacts.c.channel, contacts.c.chat))).all())
        await downgrade(engine, "0004")
        async with engine.connect() as conn:
            downgraded = dict((await conn.execute(select(retailers.c.id, retailers.c.phone))).all())

    assert upgraded == {rid: new for rid, (_, new) in STORED.items()}
    assert chats == {("telegram", str(9000 + n)) for n in range(len(STORED))}
    assert downgraded == {rid: old for rid, (old, _) in STORED.items()}


@pytest.mark.parametrize("backend", BACKENDS)
async def test_upgrade_counts_each_revision_it_applies(backend: str, tmp_path: Path) -> None:
    # Counted from the files, not through Alembic as the code under test counts.
    later = [p for p in VERSIONS.glob("[0-9][0-9][0-9][0-9]_*.py") if p.name[:4] > "0004"]
    async with migrated_engine(backend, tmp_path, "0004") as engine:
        seen: list[tuple[int, int]] = []
        await upgrade(engine, progress=lambda done, total: seen.append((done, total)))
        again: list[tuple[int, int]] = []
        await upgrade(engine, progress=lambda done, total: again.append((done, total)))
    assert len(later) >= 2
    assert seen == [(n, len(later)) for n in range(len(later) + 1)]
    assert again == [(0, 0)]
