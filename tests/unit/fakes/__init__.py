"""In-memory stand-ins for the clock and the store, one fake per port, recording what happened."""

from tests.unit.fakes.clock import FakeClock
from tests.unit.fakes.state import Posted
from tests.unit.fakes.store import FakeLedger, FakeStore

__all__ = ["FakeClock", "FakeLedger", "FakeStore", "Posted"]
