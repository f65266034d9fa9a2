"""Retailers, managers, supervisors and the team they form."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from desk.hours import OnDutyRota, WorkingHours


@dataclass(frozen=True)
class Address:
    """Where a person is reached: a chat on a channel, in that channel's own id."""

    channel: str
    # A string whatever the channel: some channels number their chats, others name them.
    chat: str


def reached_first(contacts: tuple[Address, ...]) -> Address | None:
    """Return the contact a person is reached on: the first, as contacts are in preference order."""
    return contacts[0] if contacts else None


class Role(StrEnum):
    """What someone is to the desk."""

    RETAILER = "retailer"
    MANAGER = "manager"
    SUPERVISOR = "supervisor"
    STRANGER = "stranger"


@dataclass(frozen=True)
class Retailer:
    """A shop owner served by one account manager."""

    id: str
    name: str
    shop: str
    phone: str
    manager_id: str
    # Most recently linked first: a retailer is reached where they last linked a chat.
    contacts: tuple[Address, ...] = ()
    lang: str = "zh"
    # Picked with /lang; otherwise the language follows the chat app's.
    lang_chosen: bool = False
    # What the desk takes the retailer's next message as (a complaint, an order), until when;
    # no end means until the retailer decides.
    awaiting: str | None = None
    awaiting_until: datetime | None = None

    def expecting(self, now: datetime) -> str | None:
        """Return what the desk takes the next message as, unless that wait has lapsed."""
        if self.awaiting is None:
            return None
        if self.awaiting_until is not None and self.awaiting_until <= now:
            return None
        return self.awaiting

    def contact_on(self, channel: str) -> Address | None:
        """Return the retailer's chat on one channel, if linked there."""
        return next((c for c in self.contacts if c.channel == channel), None)


@dataclass(frozen=True)
class Staff:
    """Anyone on the team side: a manager or a supervisor."""

    id: str
    name: str
    # In preference order: the configured channel to reach them on first.
    contacts: tuple[Address, ...]
    lang: str = "zh"


@dataclass(frozen=True)
class Manager(Staff):
    """An account manager with a backup colleague and a supervisor."""

    backup: str | None = None
    supervisor: str | None = None
    hours: WorkingHours = field(default_factory=WorkingHours)


@dataclass(frozen=True)
class Supervisor(Staff):
    """The person above a group of managers."""


@dataclass(frozen=True)
class Leave:
    """A manager's absence, handed over explicitly to a colleague."""

    manager_id: str
    covering_id: str
    until: datetime
    started_at: datetime


class Team:
    """The staff from the config, looked up by id or by a chat they use."""

    def __init__(
        self,
        managers: Iterable[Manager],
        supervisors: Iterable[Supervisor],
        rota: OnDutyRota | None = None,
    ) -> None:
        self.managers: Mapping[str, Manager] = {m.id: m for m in managers}
        self.supervisors: Mapping[str, Supervisor] = {s.id: s for s in supervisors}
        self.rota = rota or OnDutyRota(())
        everyone: list[Staff] = [*self.managers.values(), *self.supervisors.values()]
        self._by_contact = {c: s for s in everyone for c in s.contacts}

    def staff(self, staff_id: str) -> Staff | None:
        """Return the manager or supervisor with this id."""
        return self.managers.get(staff_id) or self.supervisors.get(staff_id)

    def by_contact(self, address: Address) -> Staff | None:
        """Return the staff member using this chat."""
        return self._by_contact.get(address)

    def name_of(self, staff_id: str | None) -> str:
        """Return a display name, falling back to the id."""
        person = self.staff(staff_id) if staff_id else None
        return person.name if person else (staff_id or "?")

    def team_of(self, supervisor_id: str) -> list[Manager]:
        """Return the managers who report to this supervisor."""
        return [m for m in self.managers.values() if m.supervisor == supervisor_id]
