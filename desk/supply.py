"""Supply requests: a retailer orders a brand, and the manager says how the order ends."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any

MAX_BRAND = 100
MAX_QUANTITY = 50
MAX_NOTE = 500
# Days ahead a manager can name for a restock; 0 means "not known yet".
RESTOCK_DAYS = (1, 3, 7, 0)

_NUMBER = r"(?:\d+(?:\.\d+)?|[一二两三四五六七八九十百半]+)"
_UNIT = r"(?:条|盒|包|件|箱|支|cartons?|packs?|boxes?)"
_QUANTITY = re.compile(rf"^(?:[x×*]\s*{_NUMBER}|{_NUMBER}\s*{_UNIT}?)$", re.IGNORECASE)
# "软中华2条": a brand with its quantity glued on, as people type on a phone.
_GLUED = re.compile(rf"^(?P<brand>.*?\D)(?P<quantity>\d+\s*{_UNIT})$", re.IGNORECASE)
_SEPARATORS = re.compile(r"[\s,，;；、]+")
_UNIT_ONLY = re.compile(rf"^{_UNIT}$", re.IGNORECASE)


class SupplyOutcome(StrEnum):
    """How a supply request ended, as the manager answered it."""

    FULFILLED = "fulfilled"
    PARTIAL = "partial"
    OUT_OF_STOCK = "out_of_stock"
    REFUSED = "refused"


class RefusalReason(StrEnum):
    """Why a manager refused an order; each has a text in every catalog."""

    QUOTA = "quota"
    NOT_ALLOCATED = "not_allocated"
    UNPAID = "unpaid"
    OTHER = "other"


@dataclass(frozen=True)
class OrderLine:
    """What a retailer asks for: a brand, a quantity and a free note."""

    brand: str
    quantity: str = ""
    note: str = ""

    def summary(self) -> str:
        """Return the order as one line for the conversation record."""
        parts = [self.brand, self.quantity, self.note]
        return "🛒 " + " · ".join(p for p in parts if p)


def parse_order(text: str) -> OrderLine | None:
    """Read '软中华 2条 明早送' (brand, quantity, note); None when no brand is given."""
    words = [w for w in _SEPARATORS.split(text.strip()) if w]
    if not words:
        return None
    brand, rest = words[0], words[1:]
    quantity = ""
    glued = _GLUED.match(brand)
    if glued and not _QUANTITY.match(brand):
        brand, quantity = glued["brand"], glued["quantity"]
    elif rest and _QUANTITY.match(rest[0]):
        quantity, rest = rest[0], rest[1:]
        if rest and _UNIT_ONLY.match(rest[0]) and not _UNIT_ONLY.match(quantity[-1:]):
            # "3 cartons": the unit came as a word of its own.
            quantity, rest = f"{quantity} {rest[0]}", rest[1:]
    note = " ".join(rest)
    if len(brand) > MAX_BRAND or len(quantity) > MAX_QUANTITY or len(note) > MAX_NOTE:
        return None
    return OrderLine(brand, quantity, note)


def brand_key(brand: str) -> str:
    """Return the form brands are grouped by: case and spacing do not make a new brand."""
    return " ".join(brand.split()).casefold()


@dataclass(frozen=True)
class SupplyRequest:
    """One order inside a ticket, and how the manager answered it."""

    id: int
    ticket_id: int
    retailer_id: str
    manager_id: str
    line: OrderLine
    opened_at: datetime
    outcome: SupplyOutcome | None = None
    expected: date | None = None
    reason: RefusalReason | None = None
    answered_by: str | None = None
    answered_at: datetime | None = None
    outcome_at: datetime | None = None

    def evolve(self, **changes: Any) -> SupplyRequest:
        """Return a copy with some fields changed."""
        return replace(self, **changes)
