"""The one wiring point: build every component from the settings, and run them."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from telegram import Update
from telegram.error import BadRequest, InvalidToken, TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes

from bot.alarm import Alarm
from bot.config import Settings, TelegramSettings
from bot.guidebook import load_guide
from bot.leader import Posted, Seat
from bot.metrics import Metrics
from bot.reporting import WeeklyReports
from bot.retention import Retention
from bot.roster import load_roster
from bot.scheduler import Scheduler
from bot.sender import Sender
from desk.clock import Clock, SystemClock
from desk.context import DeskContext
from desk.languages import everyone_as_picked
from desk.service import Desk
from desk.shelf import Shelf
from escalation.engine import Escalator
from handlers.telegram import menus
from handlers.telegram.courier import Courier
from handlers.telegram.deskbot import DeskBot
from handlers.telegram.intake import Intake
from handlers.telegram.pacing import PacedLimiter
from handlers.telegram.poller import Poller, hold_polling
from handlers.telegram.render import Renderer
from handlers.telegram.router import install
from handlers.telegram.services import Services
from handlers.telegram.transport import AiohttpRequest
from handlers.telegram.trouble import passing
from handlers.waiting import first_of
from reports import WeeklySchedule
from storage.checkpoint import Checkpointer
from storage.engine import make_engine
from storage.inbox import Inbox
from storage.locks import advisory_key, exclusive
from storage.migrate import upgrade
from storage.outbox import Outbox
from storage.roster import import_retailers
from storage.store import SqlStore

log = logging.getLogger(__name__)

DRAIN_SECONDS = 3.0
DEFAULT_FILE_URL = "https://api.telegram.org/file/bot"
# With several workers, rows posted elsewhere reach the sender by NOTIFY, or by this poll.
SHARED_IDLE_SECONDS = 2.0


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
    scheduler: Scheduler
    outbox: Outbox
    metrics: Metrics
    seat: Seat
    weekly: WeeklyReports
    retention: Retention
    webhook: bool = False


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
        settings.dialling().shared_phone,
        flood=settings.flood_policy(),
        complaints=settings.complaint_policy(),
        ratings=settings.rating_policy(),
        guide=Shelf(load_guide(settings.guide_path())),
    )
    desk = Desk(ctx)
    bot = _bot(settings.telegram)
    application = _application(bot)
    weekly = WeeklyReports(ctx, store, WeeklySchedule.parse(settings.reports.weekly))
    services: Services = application.bot_data
    services.wire(desk, weekly.maker())
    install(application)
    inbox, outbox = Inbox(store), Outbox(store)
    intake = Intake(application, services, inbox)
    poller = Poller(bot, inbox, clock, intake.wake, timeout=settings.telegram.poll_timeout)
    courier = Courier(bot, Renderer(ctx.timezone))
    metrics = Metrics()
    shared = store.dialect == "postgresql"
    idle = SHARED_IDLE_SECONDS if shared else 30.0
    sender = Sender(store, outbox, courier, desk, clock, idle=idle, on_result=metrics.sent)
    escalator = Escalator(ctx, passing=passing)
    scheduler = Scheduler(clock)
    alarm = Alarm(scheduler, escalator, clock, settings.escalation.sweep_every)
    store.on_due(alarm.arm)
    token = settings.telegram.token.get_secret_value()
    seat = Seat(store, token, lambda stop: _send(app, stop))
    if seat.beacon is not None:
        # Rows this worker posts must also wake the sender when another worker holds the seat.
        store.outbox_posted = Posted(seat.beacon.ring)
    app = RetailDesk(
        settings,
        store,
        desk,
        application,
        poller,
        intake,
        sender,
        alarm,
        scheduler,
        outbox,
        metrics,
        seat,
        weekly,
        Retention(inbox, clock, settings.storage.keep_raw_updates),
    )
    return app


def _bot(telegram: TelegramSettings) -> DeskBot:
    """Build the bot: aiohttp transport, and the paced limiter when a rate is set."""
    limiter = None
    if telegram.messages_per_second > 0:
        # A strict one-second window, since one elected sender speaks for every worker.
        limiter = PacedLimiter(telegram.messages_per_second)
    return DeskBot(
        telegram.token.get_secret_value(),
        base_url=telegram.base_url,
        base_file_url=telegram.base_file_url or DEFAULT_FILE_URL,
        request=AiohttpRequest(connection_pool_size=32, connect_timeout=5, read_timeout=10),
        get_updates_request=AiohttpRequest(connection_pool_size=1, connect_timeout=5),
        rate_limiter=limiter,
    )


def _application(bot: DeskBot) -> Application:  # type: ignore[type-arg]
    contexts = ContextTypes(bot_data=Services)
    # The desk schedules through bot/scheduler.py; PTB's own JobQueue would only idle.
    builder = ApplicationBuilder().bot(bot).context_types(contexts).updater(None)
    return builder.job_queue(None).build()


async def prepare(app: RetailDesk) -> None:
    """Migrate the schema and import the roster named in the config."""
    # Workers starting together on PostgreSQL take turns; the later ones find nothing to do.
    async with exclusive(app.store.engine, advisory_key("prepare")):
        await upgrade(app.store.engine)
        roster = load_roster(app.settings)
        if roster is not None and roster.retailers:
            # A clash with stored links stops the start like any roster error, with its line.
            with roster.clashes_located():
                now = app.desk.ctx.clock.now()
                result = await import_retailers(app.store, roster.retailers, now)
            log.info("roster: %s", roster.outcome(result))


async def serve(app: RetailDesk, stop: asyncio.Event, *, webhook: bool = False) -> None:
    """Run until `stop` is set, then drain the outbox briefly and shut down cleanly."""
    # Polling prepares the database and refuses to run beside another poller of the bot; a
    # webhook worker finds the database prepared and gets its updates from the web server.
    polling = None
    if not webhook:
        await prepare(app)
        polling = await hold_polling(app.store, app.settings.telegram.token.get_secret_value())
    application = app.application
    await application.initialize()
    await application.start()
    app.scheduler.start()
    app.alarm.start()
    await app.alarm.fire()
    app.weekly.start(app.scheduler)
    app.retention.start(app.scheduler)
    await app.retention.tidy()
    # A summary whose moment passed while the bot was down goes out now (the claim keeps it
    # once), beside polling: a province's summaries and charts take seconds to build.
    app.weekly.catch_up(app.scheduler)
    app.webhook = webhook
    loops = [
        asyncio.create_task(app.intake.run(stop), name="intake"),
        asyncio.create_task(app.seat.run(stop), name="seat"),
    ]
    if app.seat.beacon is not None:
        loops.append(asyncio.create_task(app.seat.beacon.run(stop, app.seat), name="beacon"))
    if app.store.dialect == "sqlite":
        checkpoints = Checkpointer(app.store.engine)
        loops.append(asyncio.create_task(checkpoints.run(stop), name="checkpoint"))
    poller = None if webhook else asyncio.create_task(app.poller.run(stop), name="poller")
    log.info("RetailDesk is running (%s)", "webhook" if webhook else "polling")
    try:
        await _until_stop_or_crash(stop, loops if poller is None else [poller, *loops])
    finally:
        stop.set()
        if poller is not None:
            # A long poll in flight would only delay the stop.
            poller.cancel()
            loops.append(poller)
        # A loop stuck in a slow Bot API call must not hold the stop up; a row it was sending
        # stays leased in the outbox and goes out (marked as a repeat) on the next start.
        _, stuck = await asyncio.wait(loops, timeout=DRAIN_SECONDS)
        for task in stuck:
            task.cancel()
        await asyncio.gather(*loops, return_exceptions=True)
        if app.seat.leading:
            await app.sender.drain(DRAIN_SECONDS)
        await app.seat.release()
        if polling is not None:
            await polling.release()
        await app.scheduler.stop()
        await application.stop()
        await application.shutdown()
        await app.store.dispose()
        log.info("RetailDesk stopped")


async def _send(app: RetailDesk, stop: asyncio.Event) -> None:
    """Be the sender: free what a dead sender left leased, register the webhook, drain."""
    # Only the sender leases outbox rows, so leases found on taking the seat are a dead run's.
    await app.outbox.release_leases(app.desk.ctx.clock.now())
    url = app.settings.telegram.webhook_url
    # Once per leadership, beside sending: the menus are the one writer's to keep current.
    tasks = [asyncio.create_task(_publish_menus(app), name="menus")]
    if app.webhook and url is not None:
        tasks.append(asyncio.create_task(_register_webhook(app, url, stop), name="setWebhook"))
    try:
        await app.sender.run(stop)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _publish_menus(app: RetailDesk) -> None:
    """Show each audience its commands, staff in the language they picked."""
    staff = await everyone_as_picked(app.desk.ctx)
    await menus.publish(app.application.bot, app.desk.ctx.team, staff)


async def _register_webhook(app: RetailDesk, url: str, stop: asyncio.Event) -> None:
    """Point Telegram at the webhook, retrying while Telegram cannot be reached."""
    secret = app.settings.telegram.secret_token
    pause = 1.0
    while not stop.is_set():
        try:
            await app.application.bot.set_webhook(
                url,
                secret_token=secret.get_secret_value() if secret else None,
                allowed_updates=Update.ALL_TYPES,
            )
        except (BadRequest, InvalidToken) as error:
            log.error("Telegram refused the webhook %s: %s; fix [telegram] webhook_url", url, error)
            return
        except TelegramError as error:
            log.warning("setWebhook failed, retrying in %.0fs: %s", pause, error)
            await first_of(stop, within=pause)
            pause = min(pause * 2, 60.0)
        else:
            log.info("webhook set to %s", url)
            return


async def _until_stop_or_crash(stop: asyncio.Event, loops: list[asyncio.Task[None]]) -> None:
    stopper = asyncio.ensure_future(stop.wait())
    done, _ = await asyncio.wait([stopper, *loops], return_when=asyncio.FIRST_COMPLETED)
    stopper.cancel()
    for task in done:
        if task is not stopper and task.exception() is not None:
            raise task.exception()  # type: ignore[misc]
