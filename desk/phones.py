"""Phone numbers compared the way retailers write them."""

from __future__ import annotations


def normalize_phone(raw: str) -> str:
    """Reduce a phone number to its national digits (China's +86 prefix dropped)."""
    digits = "".join(ch for ch in raw if ch.isdigit())
    if digits.startswith("00"):
        digits = digits[2:]
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits
