"""The real handlers, wired as bot/app.py wires them, over a fake store and an in-memory Bot API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes

from bot.phones import DiallingPlan
from desk.context import DeskContext
from desk.service import Desk
from handlers.telegram.deskbot import DeskBot
from handlers.telegram.router import install
from handlers.telegram.services import Services
from tests.handlers.botapi import TOKEN, ApiCall, MessageNumbers, RecordingRequest
from tests.handlers.updates import UpdateBuilder
from tests.unit.conftest import SHANGHAI, TUESDAY_10AM, make_policy, make_roster, make_team
from tests.unit.fakes import FakeClock, FakeStore

# The unit tier's people: retailers r1 and r2 in chats 9001 and 9002, r3 not linked;
# managers m1 (chat 5001) and m2 (5002), supervisor s1 (7001).
R1, R2, M1, M2, S1 = 9001, 9002, 5001, 5002, 7001
STRANGER = 6666


@dataclass
class Chats:
    """The bot's side of every chat: hand it updates, read what it said and what it posted."""

    application: Application  # type: ignore[type-arg]
    api: RecordingRequest
    store: FakeStore
    clock: FakeClock

    async def handle(self, update: Update) -> list[ApiCall]:
        """Run the update through the handlers; return the Bot API calls it made."""
        start = len(self.api.calls)
        await self.application.process_update(update)
        # The router's error handler keeps a failure for the intake; here it fails the test.
        failure = self.services.failures.pop(update.update_id, None)
        if failure is not None:
            raise failure
        return self.api.calls[start:]

    def deliver(self) -> None:
        """Hand every pending notice to its chat, as the sender would, numbering them."""
        self.store.deliver_all()

    @property
    def services(self) -> Services:
        """Return the typed bot_data the handlers read."""
        services: Services = self.application.bot_data
        return services


@pytest.fixture
def clock() -> FakeClock:
    """Return a clock stopped at Tuesday 10:00 in Shanghai, inside working hours."""
    return FakeClock(TUESDAY_10AM)


@pytest.fixture
def store(clock: FakeClock) -> FakeStore:
    """Return the unit tier's fake store holding its roster."""
    return FakeStore(make_roster(), clock=clock)


@pytest.fixture
def numbers() -> MessageNumbers:
    """Return the per-chat message count both the bot and the people write into."""
    return MessageNumbers()


@pytest.fixture
def api(numbers: MessageNumbers, clock: FakeClock) -> RecordingRequest:
    """Return the in-memory Bot API the bot talks to."""
    return RecordingRequest(numbers, clock.now)


@pytest.fixture
def deskbot(api: RecordingRequest) -> DeskBot:
    """Return the product's bot class over the recording request; no socket is ever opened."""
    return DeskBot(TOKEN, request=api, get_updates_request=api)


@pytest.fixture
def updates(deskbot: DeskBot, numbers: MessageNumbers, clock: FakeClock) -> UpdateBuilder:
    """Return the builder of updates bound to the bot."""
    return UpdateBuilder(deskbot, numbers, clock.now)


@pytest.fixture
def desk(store: FakeStore, clock: FakeClock) -> Desk:
    """Return the desk over the fake store, with the unit tier's team and ladder."""
    ctx = DeskContext(
        store=store,
        team=make_team(),
        clock=clock,
        policy=make_policy(),
        timezone=SHANGHAI,
        read_phone=DiallingPlan("CN").shared_phone,
    )
    return Desk(ctx)


@pytest.fixture
async def chats(
    deskbot: DeskBot, api: RecordingRequest, desk: Desk, store: FakeStore, clock: FakeClock
) -> AsyncIterator[Chats]:
    """Return the application as bot/app.py builds it, initialized (getMe answered)."""
    # As bot/app.py's _application: typed bot_data, no updater (the intake feeds updates).
    contexts = ContextTypes(bot_data=Services)
    application = ApplicationBuilder().bot(deskbot).context_types(contexts).updater(None).build()
    services: Services = application.bot_data
    services.wire(desk)
    install(application)
    await application.initialize()
    # getMe is the wiring's business; each test starts from an empty record.
    api.calls.clear()
    try:
        yield Chats(application, api, store, clock)
    finally:
        await application.shutdown()
