"""The one wiring point: build every component from the settings, and run them."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes
from telegram.request import HTTPXRequest

from bot.alarm import Alarm
from bot.config import Settings
from bot.intake import Intake
from bot.poller import Poller
from bot.roster import load_roster
from bot.sender import Sender
from desk.clock import Clock, SystemClock
from desk.context import DeskContext
from desk.service import Desk
from escalation.engine import Escalator
from handlers.telegram.courier import Courier
from handlers.telegram.render import Renderer
from handlers.telegram.router import install
from handlers.telegram.services import Services
from storage.engine import make_engine
from storage.inbox import Inbox
from storage.migrate import upgrade
from storage.outbox import Outbox
from storage.roster import import_retailers
from storage.store import SqlStore

log = logging.getLogger(__name__)

DRAIN_SECONDS = 3.0


@dataclass
class RetailDesk:
    """Every running part of the product, built once."""

    settings: Settings
    store: SqlStore
    desk: Desk
    application: Application  # type: ignore[type-arg]
    poller: Poller
    intake: Intake
    sender: Sender
    alarm: Alarm
    outbox: Outbox


def build(settings: Settings, *, clock: Clock | None = None) -> RetailDesk:
    """Wire the product from its settings; nothing touches the network yet."""
    clock = clock or SystemClock()
    store = SqlStore(make_engine(settings.storage.url, settings.config_dir), clock)
    ctx = DeskContext(
        store,
        settings.team(),
        clock,
        settings.policy(),
        settings.zone(),
        flood=settings.flood_policy(),
    )
    desk = Desk(ctx)
    application = _application(settings)
    services: Services = application.bot_data
    services.wire(desk)
    install(application)
    inbox, outbox = Inbox(store), Outbox(store)
    intake = Intake(application, services, inbox)
    poller = Poller(
        application.bot, inbox, clock, intake.wake, timeout=settings.telegram.poll_timeout
    )
    courier = Courier(application.bot, Renderer(ctx.timezone))
    sender = Sender(store, outbox, courier, desk, clock)
    job_queue = application.job_queue
    assert job_queue is not None, "python-telegram-bot[job-queue] is required"
    alarm = Alarm(job_queue, Escalator(ctx), clock, settings.escalation.sweep_every)
    store.on_due(alarm.arm)
    return RetailDesk(settings, store, desk, application, poller, intake, sender, alarm, outbox)


def _application(settings: Settings) -> Application:  # type: ignore[type-arg]
    telegram = settings.telegram
    builder = (
        ApplicationBuilder()
        .token(telegram.token.get_secret_value())
        .base_url(telegram.base_url)
        .context_types(ContextTypes(bot_data=Services))
        .updater(None)
        .request(HTTPXRequest(connection_pool_size=32, connect_timeout=5, read_timeout=10))
    )
    if telegram.base_file_url:
        builder = builder.base_file_url(telegram.base_file_url)
    if telegram.messages_per_second > 0:
        # The outbox retries 429s itself, so the limiter only paces and never retries.
        limiter = AIORateLimiter(
            overall_max_rate=telegram.messages_per_second, overall_time_period=1, max_retries=0
        )
        builder = builder.rate_limiter(limiter)  # type: ignore[arg-type]
    return builder.build()


async def prepare(app: RetailDesk) -> None:
    """Migrate the schema and import the roster named in the config."""
    await upgrade(app.store.engine)
    retailers = load_roster(app.settings)
    if retailers:
        result = await import_retailers(app.store, retailers, app.desk.ctx.clock.now())
        log.info("roster: %s", result)


async def serve(app: RetailDesk, stop: asyncio.Event) -> None:
    """Run until `stop` is set, then drain the outbox briefly and shut down cleanly."""
    await prepare(app)
    application = app.application
    await application.initialize()
    await application.start()
    if app.store.dialect == "sqlite":
        # One process owns a SQLite file, so any lease left behind belongs to a dead run.
        await app.outbox.release_leases(app.desk.ctx.clock.now())
    app.alarm.start()
    await app.alarm.fire()
    loops = [
        asyncio.create_task(app.poller.run(stop), name="poller"),
        asyncio.create_task(app.intake.run(stop), name="intake"),
        asyncio.create_task(app.sender.run(stop), name="sender"),
    ]
    log.info("RetailDesk is running")
    try:
        await _until_stop_or_crash(stop, loops)
    finally:
        stop.set()
        loops[0].cancel()
        await asyncio.gather(*loops, return_exceptions=True)
        await app.sender.drain(DRAIN_SECONDS)
        await application.stop()
        await application.shutdown()
        await app.store.dispose()
        log.info("RetailDesk stopped")


async def _until_stop_or_crash(stop: asyncio.Event, loops: list[asyncio.Task[None]]) -> None:
    stopper = asyncio.ensure_future(stop.wait())
    done, _ = await asyncio.wait([stopper, *loops], return_when=asyncio.FIRST_COMPLETED)
    stopper.cancel()
    for task in done:
        if task is not stopper and task.exception() is not None:
            raise task.exception()  # type: ignore[misc]
