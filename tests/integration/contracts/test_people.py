"""The People contract: the fake and the SQL store keep retailers, contacts and languages alike."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from desk.people import Address
from tests.integration.contracts.conftest import R1, R1_CHAT, R2, T0, Backend


async def test_a_retailer_is_found_by_id_chat_and_phone(backend: Backend) -> None:
    async with backend.store.peek() as ledger:
        by_id = await ledger.retailer("r2")
        by_chat = await ledger.retailer_at(R1_CHAT)
        by_phone = await ledger.retailer_with_phone("+8613800000002")
        unknown = (
            await ledger.retailer("r9"),
            await ledger.retailer_at(Address("telegram", "9999")),
            await ledger.retailer_at(Address("wecom", R1_CHAT.chat)),
            await ledger.retailer_with_phone("+8619900000000"),
        )
    assert (by_id, by_chat, by_phone) == (R2, R1, R2)
    assert unknown == (None, None, None, None)


async def test_a_chat_is_linked_only_while_the_link_is_as_expected(backend: Backend) -> None:
    async with backend.store.transaction() as ledger:
        # r1 is linked to 9001, so a link expecting no chat (a second sharer) changes nothing.
        refused = await ledger.link_chat("r1", Address("telegram", "9009"), None)
        linked = await ledger.link_chat("r2", Address("telegram", "9002"), None)
        nobody = await ledger.link_chat("r9", Address("telegram", "9003"), None)
    async with backend.store.transaction() as ledger:
        # Moving r1 to r2's chat unlinks r2: one retailer per chat, one chat per channel.
        moved = await ledger.link_chat("r1", Address("telegram", "9002"), "9001")
        r1, r2 = await ledger.retailer("r1"), await ledger.retailer("r2")
        old_chat = await ledger.retailer_at(R1_CHAT)
    assert (refused, linked, nobody, moved) == (False, True, False, True)
    assert r1 is not None and r1.contacts == (Address("telegram", "9002"),)
    assert r2 is not None and r2.contacts == ()
    assert old_chat is None


async def test_a_chat_on_another_channel_is_added_and_reached_first(backend: Backend) -> None:
    backend.clock.advance(minutes=1)
    wecom = Address("wecom", "wm_r1")
    async with backend.store.transaction() as ledger:
        linked = await ledger.link_chat("r1", wecom, None)
    async with backend.store.peek() as ledger:
        r1 = await ledger.retailer("r1")
        found = await ledger.retailer_at(wecom)
    assert linked
    assert r1 == replace(R1, contacts=(wecom, R1_CHAT))
    assert found == r1


async def test_a_retailer_keeps_what_the_desk_awaits_and_the_language_picked(
    backend: Backend,
) -> None:
    async with backend.store.transaction() as ledger:
        before = await ledger.retailer_at(R1_CHAT)
        await ledger.expect("r1", "complaint", T0 + timedelta(minutes=30))
        await ledger.set_retailer_lang("r1", "en", chosen=True)
        # Read again in the same unit of work: a cached copy must not hide the change.
        during = await ledger.retailer_at(R1_CHAT)
    async with backend.store.peek() as ledger:
        after = await ledger.retailer("r1")
    assert before == R1
    assert during == after
    assert after == replace(
        R1,
        lang="en",
        lang_chosen=True,
        awaiting="complaint",
        awaiting_until=T0 + timedelta(minutes=30),
    )
    assert after.expecting(T0) == "complaint"
    assert after.expecting(T0 + timedelta(minutes=30)) is None


async def test_an_unknown_retailer_is_awaited_and_spoken_to_in_vain(backend: Backend) -> None:
    async with backend.store.transaction() as ledger:
        await ledger.expect("r9", "complaint", None)
        await ledger.set_retailer_lang("r9", "en", chosen=True)
    async with backend.store.peek() as ledger:
        assert await ledger.retailer("r9") is None


async def test_staff_languages_are_replaced_not_added(backend: Backend) -> None:
    async with backend.store.transaction() as ledger:
        assert await ledger.staff_langs() == {}
        await ledger.set_staff_lang("m1", "en", T0)
        await ledger.set_staff_lang("m1", "zh", T0)
        await ledger.set_staff_lang("s1", "en", T0)
        during = await ledger.staff_langs()
    async with backend.store.peek() as ledger:
        after = await ledger.staff_langs()
    assert during == after == {"m1": "zh", "s1": "en"}
