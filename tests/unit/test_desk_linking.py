"""A retailer links their chat by sharing their own phone number."""

from __future__ import annotations

import pytest

from desk.commands import Inbound, Outcome, ShareContact
from desk.notices import NoticeKind
from desk.people import Address, Role

R3_CHAT = Address("telegram", 9003)
R3_USER = 9003


@pytest.mark.parametrize(
    "phone", ["13800138003", "+86 138 0013 8003", "+86-138-0013-8003", "008613800138003"]
)
async def test_sharing_ones_own_contact_links_the_chat(desk, store, phone):
    outcome = await desk.share_contact(ShareContact(R3_CHAT, phone, R3_USER, R3_USER))

    assert outcome is Outcome.DONE
    assert store.retailers["r3"].telegram_id == R3_CHAT.chat_id
    someone = await desk.who(R3_CHAT)
    assert someone.role is Role.RETAILER
    assert someone.retailer is not None
    assert someone.retailer.id == "r3"


async def test_a_linked_retailer_is_welcomed_with_their_manager(desk, store):
    await desk.share_contact(ShareContact(R3_CHAT, "+8613800138003", R3_USER, R3_USER))

    (welcome,) = store.posted
    assert welcome.kind is NoticeKind.WELCOME
    assert welcome.to == "r3"
    assert welcome.address == R3_CHAT
    assert welcome.params == {"name": "王五", "manager": "李经理"}


@pytest.mark.parametrize("contact_user_id", [1234, None])
async def test_someone_elses_contact_is_refused(desk, store, contact_user_id):
    outcome = await desk.share_contact(
        ShareContact(R3_CHAT, "13800138003", contact_user_id, R3_USER)
    )

    assert outcome is Outcome.NOT_OWN_CONTACT
    assert store.retailers["r3"].telegram_id is None
    assert store.posted == []


async def test_a_phone_not_on_the_roster_is_unknown(desk, store):
    outcome = await desk.share_contact(ShareContact(R3_CHAT, "+86 139 0000 0000", R3_USER, R3_USER))

    assert outcome is Outcome.UNKNOWN_PHONE
    assert all(r.telegram_id != R3_CHAT.chat_id for r in store.retailers.values())
    assert store.posted == []


async def test_a_repeated_contact_update_is_applied_once(desk, store):
    share = ShareContact(R3_CHAT, "13800138003", R3_USER, R3_USER, source=Inbound("telegram", 8))

    assert await desk.share_contact(share) is Outcome.DONE
    assert await desk.share_contact(share) is Outcome.REPEATED

    assert len(store.posted) == 1


async def test_until_linked_the_chat_is_a_strangers(desk):
    someone = await desk.who(R3_CHAT)

    assert someone.role is Role.STRANGER
    assert someone.lang is None
