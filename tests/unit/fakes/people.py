"""The People port in memory: retailers, their contacts, and the languages staff picked."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from desk.people import Address, Retailer
from tests.unit.fakes.state import FakePart


class FakePeople(FakePart):
    """Retailers and staff languages over the fake state."""

    async def retailer(self, retailer_id: str) -> Retailer | None:
        """Return a retailer by roster id."""
        return self._s.retailers.get(retailer_id)

    async def retailer_at(self, address: Address) -> Retailer | None:
        """Return the retailer linked to this chat."""
        return next((r for r in self._s.retailers.values() if address in r.contacts), None)

    async def retailer_with_phone(self, phone: str) -> Retailer | None:
        """Return the retailer whose roster phone (E.164) this is."""
        return next((r for r in self._s.retailers.values() if r.phone == phone), None)

    async def link_chat(self, retailer_id: str, address: Address, held_by: str | None) -> bool:
        """Link a retailer to a chat if their chat there is still `held_by`; unlink its holder."""
        self._write()
        found = self._s.retailers.get(retailer_id)
        held = found.contact_on(address.channel) if found else None
        if found is None or (held.chat if held else None) != held_by:
            return False
        for other in list(self._s.retailers.values()):
            if address in other.contacts and other.id != retailer_id:
                kept = tuple(c for c in other.contacts if c != address)
                self._s.retailers[other.id] = replace(other, contacts=kept)
        others = tuple(c for c in found.contacts if c.channel != address.channel)
        # Most recently linked first, as the store returns them.
        self._s.retailers[retailer_id] = replace(found, contacts=(address, *others))
        return True

    async def expect(self, retailer_id: str, awaiting: str | None, until: datetime | None) -> None:
        """Remember what the desk waits for from a retailer next; an unknown one: nothing."""
        self._write()
        found = self._s.retailers.get(retailer_id)
        if found is not None:
            self._s.retailers[retailer_id] = replace(found, awaiting=awaiting, awaiting_until=until)

    async def set_retailer_lang(self, retailer_id: str, lang: str, *, chosen: bool) -> None:
        """Store a retailer's language; an unknown retailer: nothing, as an UPDATE does."""
        self._write()
        found = self._s.retailers.get(retailer_id)
        if found is not None:
            self._s.retailers[retailer_id] = replace(found, lang=lang, lang_chosen=chosen)

    async def staff_langs(self) -> dict[str, str]:
        """Return the languages staff picked."""
        return dict(self._s.staff_langs)

    async def set_staff_lang(self, staff_id: str, lang: str, at: datetime) -> None:
        """Store the language a staff member picked."""
        self._write()
        self._s.staff_langs[staff_id] = lang
