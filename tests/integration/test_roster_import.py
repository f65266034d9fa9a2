"""Tests for storage.roster on SQLite and PostgreSQL: upserts that never lose stored data."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from desk.clock import SystemClock
from desk.people import Address, Retailer
from desk.sla import with_due
from desk.tickets import Ticket
from storage.roster import Relink, RosterConflictError, RosterImport, import_retailers
from storage.store import SqlStore
from storage.tables import contacts, events, retailers
from tests.databases import BACKENDS, migrated_engine
from tests.unit.conftest import make_policy

AT = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
ZHANG = Retailer("r1", "张伟", "张记烟酒店", "13800138001", "m1")
LIU = Retailer("r2", "刘芳", "芳芳便利店", "13900139002", "m1")
ZHAO = Retailer(
    "r3", "赵强", "强盛烟酒商行", "13700137003", "m2", (Address("telegram", "810000003"),)
)


@pytest.fixture(params=BACKENDS)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SqlStore]:
    async with migrated_engine(request.param, tmp_path) as engine:
        yield SqlStore(engine, SystemClock())


async def stored(store: SqlStore) -> dict[str, dict[str, object]]:
    """Return every stored retailer's row, with their Telegram chat as `telegram_id`."""
    async with store.reading() as conn:
        rows = (await conn.execute(select(retailers))).mappings().all()
        chats = dict(
            (
                await conn.execute(
                    select(contacts.c.retailer_id, contacts.c.chat).where(
                        contacts.c.channel == "telegram"
                    )
                )
            ).all()
        )
    return {
        row["id"]: {**row, "telegram_id": int(chats[row["id"]]) if row["id"] in chats else None}
        for row in rows
    }


async def link(store: SqlStore, phone: str, chat_id: int) -> None:
    """Link a chat the way a retailer sharing their contact does."""
    async with store.transaction() as ledger:
        retailer = await ledger.retailer_with_phone(phone)
        assert retailer is not None
        assert await ledger.link_chat(retailer.id, Address("telegram", str(chat_id)), None)


async def test_counts_added_updated_unchanged(store: SqlStore) -> None:
    first = await import_retailers(store, [ZHANG, LIU], AT)
    moved_shop = Retailer("r2", "刘芳", "芳芳烟酒店", "13900139002", "m2")
    second = await import_retailers(store, [ZHANG, moved_shop, ZHAO], AT + timedelta(days=1))

    assert first == RosterImport(added=2, updated=0, unchanged=0)
    assert second == RosterImport(added=1, updated=1, unchanged=1)
    rows = await stored(store)
    assert (rows["r2"]["shop"], rows["r2"]["manager_id"]) == ("芳芳烟酒店", "m2")
    assert rows["r2"]["updated_at"] == AT + timedelta(days=1)
    assert rows["r1"]["updated_at"] == AT  # unchanged rows keep their stamp
    assert rows["r3"]["telegram_id"] == 810000003


async def test_row_without_telegram_id_keeps_the_linked_chat(store: SqlStore) -> None:
    await import_retailers(store, [ZHANG], AT)
    await link(store, ZHANG.phone, 900)

    result = await import_retailers(store, [ZHANG], AT)

    assert result == RosterImport(added=0, updated=0, unchanged=1)
    assert (await stored(store))["r1"]["telegram_id"] == 900


async def test_a_shared_contacts_chat_is_not_given_to_a_listed_retailer(store: SqlStore) -> None:
    await import_retailers(store, [ZHANG, LIU], AT)
    await link(store, ZHANG.phone, 900)
    before = await stored(store)
    liu_with_chat = Retailer(
        "r2", "刘芳", "芳芳便利店", "13900139002", "m1", (Address("telegram", "900"),)
    )

    with pytest.raises(RosterConflictError) as caught:
        await import_retailers(store, [ZHANG, liu_with_chat], AT + timedelta(days=1))

    [clash] = caught.value.clashes
    assert (clash.retailer_id, clash.column) == ("r2", "telegram_id")
    assert clash.message.startswith("900 is already the chat of r1 (张伟), linked by sharing")
    assert await stored(store) == before


async def test_a_shared_contacts_chat_is_not_given_to_a_newcomer(store: SqlStore) -> None:
    await import_retailers(store, [ZHANG], AT)
    await link(store, ZHANG.phone, 900)
    before = await stored(store)
    newcomer = Retailer(
        "r4", "孙丽", "丽华超市", "13600136004", "m2", (Address("telegram", "900"),)
    )

    with pytest.raises(RosterConflictError) as caught:
        await import_retailers(store, [newcomer], AT)

    assert [(c.retailer_id, c.column) for c in caught.value.clashes] == [("r4", "telegram_id")]
    assert await stored(store) == before


async def test_a_chat_moves_when_its_holder_is_given_another(store: SqlStore) -> None:
    await import_retailers(store, [ZHANG, LIU], AT)
    await link(store, ZHANG.phone, 900)
    moved = [
        Retailer("r1", "张伟", "张记烟酒店", "13800138001", "m1", (Address("telegram", "901"),)),
        Retailer("r2", "刘芳", "芳芳便利店", "13900139002", "m1", (Address("telegram", "900"),)),
    ]

    result = await import_retailers(store, moved, AT)

    assert result == RosterImport(0, 2, 0, relinked=(Relink("r1", "900", "901"),))
    rows = await stored(store)
    assert (rows["r1"]["telegram_id"], rows["r2"]["telegram_id"]) == (901, 900)


async def test_two_retailers_can_swap_chats(store: SqlStore) -> None:
    await import_retailers(store, [ZHANG, LIU], AT)
    await link(store, ZHANG.phone, 100)
    await link(store, LIU.phone, 200)
    swapped = [
        Retailer("r1", "张伟", "张记烟酒店", "13800138001", "m1", (Address("telegram", "200"),)),
        Retailer("r2", "刘芳", "芳芳便利店", "13900139002", "m1", (Address("telegram", "100"),)),
    ]

    result = await import_retailers(store, swapped, AT)

    assert result == RosterImport(0, 2, 0, (Relink("r1", "100", "200"), Relink("r2", "200", "100")))
    rows = await stored(store)
    assert (rows["r1"]["telegram_id"], rows["r2"]["telegram_id"]) == (200, 100)


async def test_retailers_absent_from_the_roster_are_kept(store: SqlStore) -> None:
    await import_retailers(store, [ZHANG, LIU], AT)

    result = await import_retailers(store, [LIU], AT)

    assert result == RosterImport(added=0, updated=0, unchanged=1)
    assert sorted(await stored(store)) == ["r1", "r2"]


async def test_stored_language_is_kept(store: SqlStore) -> None:
    await import_retailers(store, [ZHANG], AT)
    async with store.transaction() as ledger:
        await ledger.conn.execute(update(retailers).values(lang="en"))
    renamed = Retailer("r1", "张伟伟", "张记烟酒店", "13800138001", "m1")

    await import_retailers(store, [renamed], AT)

    row = (await stored(store))["r1"]
    assert (row["name"], row["lang"]) == ("张伟伟", "en")


async def test_repeated_ids_are_refused_before_touching_the_store(store: SqlStore) -> None:
    with pytest.raises(ValueError, match="repeats retailer id 'r1'"):
        await import_retailers(store, [ZHANG, ZHANG], AT)

    assert await stored(store) == {}


async def test_a_phone_stored_on_a_retailer_absent_from_the_roster_is_refused(
    store: SqlStore,
) -> None:
    await import_retailers(store, [ZHANG, LIU], AT)
    before = await stored(store)
    impostor = Retailer("r8", "冒名", "别家店", ZHANG.phone, "m2")

    with pytest.raises(RosterConflictError) as caught:
        await import_retailers(store, [LIU, impostor], AT)

    assert [(c.retailer_id, c.column) for c in caught.value.clashes] == [("r8", "phone")]
    assert caught.value.clashes[0].message.startswith(
        "13800138001 is already the phone of r1 (张伟, 张记烟酒店)"
    )
    assert await stored(store) == before


async def test_phones_are_judged_on_the_rosters_final_state(store: SqlStore) -> None:
    await import_retailers(store, [ZHANG, LIU], AT)
    swapped = [
        Retailer("r1", "张伟", "张记烟酒店", LIU.phone, "m1"),
        Retailer("r2", "刘芳", "芳芳便利店", ZHANG.phone, "m1"),
        Retailer("r8", "孙丽", "丽华超市", "13600136004", "m2"),
    ]

    result = await import_retailers(store, swapped, AT)

    assert result == RosterImport(added=1, updated=2, unchanged=0)
    rows = await stored(store)
    assert (rows["r1"]["phone"], rows["r2"]["phone"]) == (LIU.phone, ZHANG.phone)


async def test_a_moved_retailers_open_ticket_goes_to_their_new_manager(store: SqlStore) -> None:
    await import_retailers(store, [ZHANG, LIU], AT)
    asked = AT + timedelta(hours=1)
    async with store.transaction() as ledger:
        draft = Ticket(0, "r1", "m1", "m1", asked, make_policy(), waiting_since=asked)
        opened = await ledger.create_ticket(with_due(draft).evolve(last_step=1))
        other = await ledger.create_ticket(with_due(replace(draft, retailer_id="r2")))

    moved = Retailer("r1", "张伟", "张记烟酒店", "13800138001", "m2")
    await import_retailers(store, [moved, LIU], AT + timedelta(days=1))

    async with store.transaction() as ledger:
        ticket = await ledger.ticket(opened.id)
        kept = await ledger.ticket(other.id)
    assert ticket is not None
    assert kept is not None
    assert (ticket.manager_id, ticket.home_manager_id) == ("m2", "m2")
    # The ladder starts again for the new manager, from the question's own wait.
    assert (ticket.last_step, ticket.next_due_at) == (-1, asked + timedelta(minutes=15))
    assert (kept.manager_id, kept.last_step) == ("m1", -1)
    async with store.reading() as conn:
        handovers = (
            await conn.execute(
                select(events.c.ticket_id, events.c.actor, events.c.target).where(
                    events.c.kind == "handover"
                )
            )
        ).all()
    assert [tuple(h) for h in handovers] == [(opened.id, "m1", "m2")]


async def test_a_large_roster_is_written_in_chunks_that_report_progress(store: SqlStore) -> None:
    many = [
        Retailer(f"r{i}", f"零售户{i}", f"店{i}", f"+86139{i:08d}", "m1") for i in range(12_001)
    ]
    seen: list[tuple[int, int]] = []
    result = await import_retailers(store, many, AT, lambda done, total: seen.append((done, total)))
    assert result.added == 12_001
    assert seen == [(5000, 12_001), (10_000, 12_001), (12_001, 12_001)]
    assert len(await stored(store)) == 12_001
