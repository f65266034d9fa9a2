"""Tests for desk.phones: a roster phone and a shared contact reduce to the same digits."""

from __future__ import annotations

import pytest

from desk.phones import normalize_phone


@pytest.mark.parametrize(
    ("raw", "digits"),
    [
        ("+86 138-0013-8001", "13800138001"),
        ("0086 138 0013 8001", "13800138001"),
        pytest.param("１３８００１３８００１", "13800138001", id="full-width"),
        pytest.param("138 0013 8001²", "13800138001", id="superscript-is-no-digit"),
    ],
)
def test_phones_reduce_to_ascii_national_digits(raw: str, digits: str) -> None:
    assert normalize_phone(raw) == digits
