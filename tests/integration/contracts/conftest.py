"""The contract suites' backends: the fake store, SQLite and PostgreSQL, behind one face."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from desk.people import Address, Retailer
from desk.ports import Store
from storage.inbox import Arrival, Inbox
from storage.outbox import Outbox, Settled
from storage.store import SqlStore
from tests.databases import BACKENDS, migrated_engine, seed_retailers
from tests.unit.fakes import FakeClock, FakeStore

T0 = datetime(2026, 11, 26, 19, 0, tzinfo=UTC)
R1_CHAT = Address("telegram", "9001")
# The roster every backend starts from: r1 linked to a chat, r2 not linked yet.
R1 = Retailer("r1", "张老板", "张记烟酒", "+8613800000001", "m1", (R1_CHAT,))
R2 = Retailer("r2", "刘阿姨", "刘家便利店", "+8613800000002", "m2")
# Far enough ahead that every notice posted in a test is due.
_EVERYTHING_DUE = timedelta(days=365)


class Backend:
    """A store under contract, with what a test needs from outside the Ledger port."""

    def __init__(self, name: str, store: Store, clock: FakeClock) -> None:
        self.name = name
        self.store = store
        self.clock = clock
        self._message_ids: dict[Address, int] = {}

    async def keep(self, *update_ids: int) -> None:
        """Store inbound updates in the inbox, as intake does before the desk settles them."""
        if isinstance(self.store, SqlStore):
            arrivals = [Arrival(update_id, None, "{}") for update_id in update_ids]
            await Inbox(self.store).keep(arrivals, self.clock.now())

    async def deliver(self) -> list[tuple[Address, str]]:
        """Deliver every pending notice, numbering messages per chat as the fake store does."""
        if isinstance(self.store, FakeStore):
            return [(p.notice.address, p.message_id or "") for p in self.store.deliver_all()]
        assert isinstance(self.store, SqlStore)
        outbox = Outbox(self.store)
        parcels = await outbox.claim(self.clock.now() + _EVERYTHING_DUE, 1000)
        delivered: list[tuple[Address, str]] = []
        outcomes = []
        for parcel in sorted(parcels, key=lambda p: p.id):
            address = parcel.notice.address
            self._message_ids[address] = self._message_ids.get(address, 0) + 1
            message_id = str(self._message_ids[address])
            delivered.append((address, message_id))
            outcomes.append(Settled(parcel.id, "sent", message_id=message_id))
        await outbox.settle(outcomes, self.clock.now())
        return delivered


def _roster_rows() -> list[dict[str, Any]]:
    return [
        {
            "id": r.id,
            "name": r.name,
            "shop": r.shop,
            "phone": r.phone,
            "manager_id": r.manager_id,
            "telegram_id": int(r.contacts[0].chat) if r.contacts else None,
            "updated_at": T0,
        }
        for r in (R1, R2)
    ]


@pytest.fixture(params=["fake", *BACKENDS])
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    """Yield each store under contract, holding the same roster."""
    clock = FakeClock(T0)
    if request.param == "fake":
        yield Backend("fake", FakeStore([R1, R2], clock), clock)
        return
    async with migrated_engine(request.param, tmp_path) as engine:
        async with engine.begin() as conn:
            await seed_retailers(conn, _roster_rows())
        yield Backend(request.param, SqlStore(engine, clock), clock)
