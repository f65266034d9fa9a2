"""Phone numbers compared the way retailers write them."""

from __future__ import annotations

import unicodedata


def normalize_phone(raw: str) -> str:
    """Reduce a phone number to its national digits (China's +86 prefix dropped)."""
    # Full-width digits from a Chinese keyboard count as digits; superscripts such as "²" do
    # not, as they are no digit of a number Telegram would share.
    digits = "".join(str(unicodedata.decimal(ch)) for ch in raw if ch.isdecimal())
    if digits.startswith("00"):
        digits = digits[2:]
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits
