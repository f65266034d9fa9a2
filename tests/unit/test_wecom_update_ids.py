"""Inbox update ids of WeCom messages: stable, positive 63-bit, one per message."""

from __future__ import annotations

from handlers.wecom import update_ids


def test_a_kf_msgid_gets_the_same_id_in_every_process_and_run() -> None:
    # A fixed value: Python's own hash() would differ between processes.
    assert update_ids.kf_message("a1b2c3") == update_ids.kf_message("a1b2c3")
    assert update_ids.kf_message("a1b2c3") == 6583534340297056747


def test_ids_fit_the_inbox_column_and_differ_per_message() -> None:
    ids = {update_ids.kf_message(f"msg{n}") for n in range(2000)}
    assert len(ids) == 2000
    assert all(0 <= i < 2**63 for i in ids)


def test_an_app_message_keeps_its_numeric_msgid() -> None:
    assert update_ids.app_message("7000000000000000001") == 7000000000000000001
    # Beyond 63 bits, or not a number: hashed into range rather than refused.
    big = update_ids.app_message(str(2**63 + 5))
    assert 0 <= big < 2**63 and big != 2**63 + 5
    assert 0 <= update_ids.app_message("abc") < 2**63


def test_an_event_is_keyed_on_sender_time_and_event() -> None:
    one = update_ids.event("LiJingLi", 1765000000, "template_card_event", "ok:1")
    assert one == update_ids.event("LiJingLi", 1765000000, "template_card_event", "ok:1")
    assert one != update_ids.event("LiJingLi", 1765000001, "template_card_event", "ok:1")
    assert one != update_ids.event("WangJingLi", 1765000000, "template_card_event", "ok:1")
    assert one != update_ids.event("LiJingLi", 1765000000, "template_card_event", "done:1")


def test_kf_and_app_ids_do_not_share_a_domain() -> None:
    assert update_ids.kf_message("123") != update_ids.app_message("123")
