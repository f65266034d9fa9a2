"""Tests for bot.phones: roster phones and shared contacts meet as one E.164 number."""

from __future__ import annotations

import pytest

from bot.phones import DiallingPlan

CN = DiallingPlan("CN")


@pytest.mark.parametrize(
    ("written", "e164"),
    [
        ("13800138001", "+8613800138001"),
        ("+86 138-0013-8001", "+8613800138001"),
        ("0086 138 0013 8001", "+8613800138001"),
        pytest.param("１３８００１３８００１", "+8613800138001", id="full-width"),
        pytest.param("＋８６ １３８ ００１３ ８００１", "+8613800138001", id="full-width-plus"),
        pytest.param("138 0013 8001²", "+8613800138001", id="superscript-is-no-digit"),
        pytest.param("(010) 1234 5678", "+861012345678", id="landline-with-area-code"),
        pytest.param("+1 347-555-0123", "+13475550123", id="abroad-with-plus"),
        pytest.param("001 347 555 0123", "+13475550123", id="abroad-with-idd"),
    ],
)
def test_roster_phones_become_e164(written: str, e164: str) -> None:
    assert CN.roster_phone(written) == e164


@pytest.mark.parametrize(
    "written",
    [
        pytest.param("1234567", id="7-digit-without-area-code"),
        pytest.param("12345", id="too-short"),
        pytest.param("+1 000 000 0000", id="impossible-abroad"),
        pytest.param("138001380019999999", id="too-long"),
        pytest.param("电话", id="no-digits"),
        pytest.param("", id="empty"),
    ],
)
def test_what_is_no_valid_number_is_none(written: str) -> None:
    assert CN.roster_phone(written) is None


def test_a_region_reads_numbers_without_country_code() -> None:
    assert DiallingPlan("US").roster_phone("(347) 555-0123") == "+13475550123"
    assert DiallingPlan("HK").roster_phone("9123 4567") == "+85291234567"


@pytest.mark.parametrize(
    ("shared", "e164"),
    [
        pytest.param("8613800138001", "+8613800138001", id="telegram-china"),
        pytest.param("+8613800138001", "+8613800138001", id="with-plus"),
        pytest.param("13475550123", "+13475550123", id="telegram-us"),
        pytest.param("13800138001", "+8613800138001", id="national-falls-back-to-region"),
        pytest.param("0086 138 0013 8001", "+8613800138001", id="idd"),
    ],
)
def test_shared_contacts_are_read_as_international_first(shared: str, e164: str) -> None:
    assert CN.shared_phone(shared) == e164


def test_a_us_number_never_meets_a_chinese_mobile_of_the_same_digits() -> None:
    us_contact = CN.shared_phone("13475550123")
    chinese_mobile = CN.roster_phone("134-7555-0123")

    assert (us_contact, chinese_mobile) == ("+13475550123", "+8613475550123")


def test_a_local_number_without_area_code_matches_no_contact() -> None:
    # Digits alone, "5550123" would be whoever abroad shares the same seven digits.
    assert CN.roster_phone("5550123") is None
    assert CN.roster_phone("021 5550 1234") == "+862155501234"
