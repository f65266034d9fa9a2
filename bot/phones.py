"""Phone numbers as full international numbers (E.164), read with Google's numbering plans."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import phonenumbers

DEFAULT_REGION = "CN"


def international(written: str, region: str = DEFAULT_REGION) -> str | None:
    """Return a phone number as E.164 ("+8613800138001"), or None if it is no valid number.

    A number written with "+" or the region's international prefix ("0086" in China) is read
    as it says; one without is read as a number of `region`. Full-width digits count as digits;
    every other character (spaces, dashes, brackets, a stray "²") is dropped.
    """
    stripped = written.strip()
    plus = "+" if stripped[:1] in ("+", "＋") else ""
    digits = "".join(str(unicodedata.decimal(ch)) for ch in stripped if ch.isdecimal())
    if not digits:
        return None
    try:
        number = phonenumbers.parse(plus + digits, region)
    except phonenumbers.NumberParseException:
        return None
    # Valid, not merely possible: a 7-digit local number without its area code is possible
    # almost anywhere, and would match a stranger abroad.
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@dataclass(frozen=True)
class DiallingPlan:
    """How this desk reads phones: the region of numbers written without a country code."""

    region: str = DEFAULT_REGION

    def roster_phone(self, written: str) -> str | None:
        """Return a roster phone as E.164, reading a number without country code in the region."""
        return international(written, self.region)

    def shared_phone(self, shared: str) -> str | None:
        """Return the phone of a shared contact as E.164, or None if it is no valid number.

        Telegram shares an account's full international number, mostly without "+"
        ("8613800138001", "13475550123"), so bare digits are read as international first:
        "13475550123" is the US number +1 347-555-0123, never China's 134-7555-0123. Only
        digits that make no valid international number fall back to the default region
        ("13800138001" is no US number, so it is China's +86 138-0013-8001).
        """
        return international(f"+{shared.strip().lstrip('+＋')}") or international(
            shared, self.region
        )
