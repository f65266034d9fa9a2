"""A retailer links their chat by sharing their own phone number."""

from __future__ import annotations

from dataclasses import replace

import pytest

from desk.commands import Inbound, MoveLink, Outcome, ShareContact
from desk.notices import NoticeKind
from desk.people import Address, Retailer, Role

R3_CHAT = Address("telegram", "9003")
R3_USER = "9003"


@pytest.mark.parametrize(
    "phone", ["13800138003", "+86 138 0013 8003", "+86-138-0013-8003", "008613800138003"]
)
async def test_sharing_ones_own_contact_links_the_chat(desk, store, phone):
    outcome = await desk.share_contact(ShareContact(R3_CHAT, phone, R3_USER, R3_USER))

    assert outcome is Outcome.DONE
    assert store.retailers["r3"].contacts == (R3_CHAT,)
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


@pytest.mark.parametrize("contact_user_id", ["1234", None])
async def test_someone_elses_contact_is_refused(desk, store, contact_user_id):
    outcome = await desk.share_contact(
        ShareContact(R3_CHAT, "13800138003", contact_user_id, R3_USER)
    )

    assert outcome is Outcome.NOT_OWN_CONTACT
    assert store.retailers["r3"].contacts == ()
    assert store.posted == []


async def test_a_phone_not_on_the_roster_is_unknown(desk, store):
    outcome = await desk.share_contact(ShareContact(R3_CHAT, "+86 139 0000 0000", R3_USER, R3_USER))

    assert outcome is Outcome.UNKNOWN_PHONE
    assert all(R3_CHAT not in r.contacts for r in store.retailers.values())
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


R1_CHAT = Address("telegram", "9001")
NEW_CHAT = Address("telegram", "9100")
M1_CHAT = Address("telegram", "5001")


async def share_r1_phone_from_a_new_chat(desk) -> Outcome:
    """Let a second Telegram account share r1's phone (Telegram's form: digits, no plus)."""
    return await desk.share_contact(ShareContact(NEW_CHAT, "8613800138001", "9100", "9100"))


async def test_a_us_number_does_not_link_the_chinese_mobile_of_the_same_digits(desk, store):
    store.add_retailer(Retailer("r7", "钱七", "钱七烟行", "+8613475550123", "m1"))

    # Telegram sends +1 347-555-0123 as "13475550123"; digits alone would be 134-7555-0123.
    outcome = await desk.share_contact(ShareContact(NEW_CHAT, "13475550123", "9100", "9100"))

    assert outcome is Outcome.UNKNOWN_PHONE
    assert store.retailers["r7"].contacts == ()
    assert store.posted == []


async def test_a_linked_retailer_is_not_relinked_by_another_chat(desk, store):
    outcome = await share_r1_phone_from_a_new_chat(desk)

    assert outcome is Outcome.ALREADY_LINKED
    assert store.retailers["r1"].contacts == (R1_CHAT,)
    assert (await desk.who(NEW_CHAT)).role is Role.STRANGER
    assert (await desk.who(R1_CHAT)).retailer == store.retailers["r1"]


async def test_the_old_chat_and_the_manager_are_told_someone_tried(desk, store):
    await share_r1_phone_from_a_new_chat(desk)

    tried, claimed = store.posted
    assert (tried.kind, tried.to, tried.address) == (NoticeKind.LINK_TRIED, "r1", R1_CHAT)
    assert tried.params == {"name": "张三", "manager": "李经理"}
    assert (claimed.kind, claimed.to, claimed.address) == (NoticeKind.LINK_CLAIMED, "m1", M1_CHAT)
    assert claimed.params["retailer"] == "张三"
    assert [b.data for b in claimed.buttons] == ["lnk:9100"]
    assert all(len(b.data.encode()) <= 64 for b in claimed.buttons)
    # The new chat hears only the adapter's answer to ALREADY_LINKED; no notice goes there.
    assert all(n.address != NEW_CHAT for n in store.posted)


async def claim_button(desk, store) -> str:
    """Share r1's phone from the new chat; return the message id of m1's notice."""
    await share_r1_phone_from_a_new_chat(desk)
    return store.message_id_of(store.posted_to("m1", NoticeKind.LINK_CLAIMED)[0])


async def test_the_managers_button_moves_the_link_and_tells_both_chats(desk, store):
    message_id = await claim_button(desk, store)

    outcome = await desk.move_link(MoveLink("m1", M1_CHAT, message_id, NEW_CHAT.chat))

    assert outcome is Outcome.DONE
    assert store.retailers["r1"].contacts == (NEW_CHAT,)
    assert (await desk.who(NEW_CHAT)).role is Role.RETAILER
    assert (await desk.who(R1_CHAT)).role is Role.STRANGER
    moved, left = store.posted[-2:]
    assert (moved.kind, moved.address) == (NoticeKind.LINK_MOVED, NEW_CHAT)
    assert (left.kind, left.address) == (NoticeKind.LINK_LEFT, R1_CHAT)


async def test_a_press_applied_twice_moves_once(desk, store):
    message_id = await claim_button(desk, store)
    press = MoveLink("m1", M1_CHAT, message_id, "9100", Inbound("telegram", 41))

    assert await desk.move_link(press) is Outcome.DONE
    assert await desk.move_link(press) is Outcome.REPEATED
    assert len(store.posted_to("r1", NoticeKind.LINK_MOVED)) == 1


async def test_another_manager_pressing_changes_nothing(desk, store):
    message_id = await claim_button(desk, store)
    posted = len(store.posted)

    # 王经理 forges the data on a message of his own with the same number in his chat.
    forged = await desk.move_link(MoveLink("m2", Address("telegram", "5002"), message_id, "9100"))

    assert forged is Outcome.NOT_A_TICKET
    assert store.retailers["r1"].contacts == (R1_CHAT,)
    assert len(store.posted) == posted


async def test_a_press_after_the_retailer_moved_to_another_manager_is_refused(desk, store):
    message_id = await claim_button(desk, store)
    store.add_retailer(replace(store.retailers["r1"], manager_id="m2"))

    outcome = await desk.move_link(MoveLink("m1", M1_CHAT, message_id, "9100"))

    assert outcome is Outcome.NOT_YOURS
    assert store.retailers["r1"].contacts == (R1_CHAT,)


@pytest.mark.parametrize("data_chat", ["9200", "9001"])
async def test_button_data_that_differs_from_the_notice_is_refused(desk, store, data_chat):
    message_id = await claim_button(desk, store)

    outcome = await desk.move_link(MoveLink("m1", M1_CHAT, message_id, data_chat))

    assert outcome is Outcome.NOT_A_TICKET
    assert store.retailers["r1"].contacts == (R1_CHAT,)


async def test_a_press_after_the_roster_moved_the_link_changes_nothing(desk, store):
    message_id = await claim_button(desk, store)
    store.add_retailer(replace(store.retailers["r1"], contacts=(Address("telegram", "9300"),)))

    outcome = await desk.move_link(MoveLink("m1", M1_CHAT, message_id, "9100"))

    assert outcome is Outcome.LINK_CHANGED
    assert store.retailers["r1"].contacts == (Address("telegram", "9300"),)
