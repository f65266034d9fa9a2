"""The one wiring point: build every component from the settings, and run them."""

from __future__ import annotations

import asyncio
import functools
import gc
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bot.alarm import Alarm
from bot.config import Settings, channels_on, console_settings
from bot.guidebook import load_guide
from bot.leader import Beacon, Posted, Seat
from bot.metrics import Metrics
from bot.reporting import WeeklyReports
from bot.retention import ConsoleRetention, Purge, Retention
from bot.roster import load_roster
from bot.scheduler import Scheduler
from bot.sender import Sender
from desk.clock import Clock, SystemClock
from desk.content import Content
from desk.context import DeskContext
from desk.notices import Attachment
from desk.service import Desk
from desk.shelf import Shelf
from escalation.engine import Escalator
from handlers.channel import Channel
from handlers.console.links import link_maker
from handlers.console.services import ConsoleServices, WecomLogin
from handlers.console.steering import DeskSteering
from handlers.telegram.channel import TelegramChannel
from handlers.wecom.channel import Couriers, wecom_channels
from reports import WeeklySchedule
from storage.checkpoint import Checkpointer
from storage.console import ConsoleAccess
from storage.engine import make_engine
from storage.inbox import Inbox
from storage.locks import advisory_key, exclusive
from storage.migrate import upgrade
from storage.outbox import Outbox
from storage.roster import import_retailers
from storage.store import SqlStore
from storage.trouble import passing

log = logging.getLogger(__name__)

DRAIN_SECONDS = 3.0
# With several workers, rows posted elsewhere reach the sender by NOTIFY, or by this poll.
SHARED_IDLE_SECONDS = 2.0
# From this many retailers on, a start's roster import is followed by a full collection; a
# smaller import leaves little behind (2,000 retailers: nothing measurable; 5,000: 3 MB).
LARGE_ROSTER = 5_000


ChannelMaker = Callable[[Desk, SqlStore], Channel]
"""Build one more channel beside the configured ones, from the desk and the store (a test seam)."""


@dataclass
class RetailDesk:
    """Every running part of the product, built once."""

    settings: Settings
    store: SqlStore
    desk: Desk
    telegram_channel: TelegramChannel | None
    channels: dict[str, Channel]
    senders: dict[str, Sender]
    alarm: Alarm
    scheduler: Scheduler
    outbox: Outbox
    metrics: Metrics
    weekly: WeeklyReports
    retentions: list[Purge]
    beacon: Beacon | None
    seats: dict[str, Seat] = field(default_factory=dict)
    webhook: bool = False
    console: ConsoleServices | None = None

    @property
    def telegram(self) -> TelegramChannel:
        """Return the Telegram channel; raise when this config runs without it."""
        if self.telegram_channel is None:
            raise LookupError("this desk runs without Telegram")
        return self.telegram_channel

    @property
    def sending(self) -> bool:
        """Say whether this worker is the elected sender of any channel."""
        return any(seat.leading for seat in self.seats.values())


def build(
    settings: Settings,
    *,
    clock: Clock | None = None,
    extra: Sequence[ChannelMaker] = (),
    couriers: Couriers | None = None,
) -> RetailDesk:
    """Wire the product from its settings; nothing touches the network yet.

    `couriers` deliver the WeChat channels' notices (a test seam, and until WeChat's own
    couriers are wired, what delivers them at all).
    """
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
    weekly = WeeklyReports(ctx, store, WeeklySchedule.parse(settings.reports.weekly))
    running = channels_on(settings)
    console = ConsoleServices(
        console_settings(settings), store, ctx, ConsoleAccess(store), DeskSteering(desk)
    )
    link = link_maker(console)
    channels: dict[str, Channel] = {}
    telegram = None
    if "telegram" in running:
        telegram = TelegramChannel(settings.telegram, desk, store, weekly.maker(), link)
        channels[telegram.name] = telegram
    if settings.wecom is not None:
        wechat, wecom = wecom_channels(settings.wecom, desk, store, couriers, weekly.maker(), link)
        channels[wechat.name], channels[wecom.name] = wechat, wecom
        console.wecom = WecomLogin(
            settings.wecom.corp_id,
            settings.wecom.agent_id,
            settings.console.wecom_authorize_url,
            wecom.member,
        )
    for make in extra:
        channel = make(desk, store)
        channels[channel.name] = channel
    outbox = Outbox(store)
    metrics = Metrics()
    shared = store.dialect == "postgresql"
    idle = SHARED_IDLE_SECONDS if shared else 30.0
    senders = {
        name: Sender(
            store,
            outbox,
            channel.courier,
            desk,
            clock,
            idle=idle,
            on_result=metrics.sent,
            passing=channel.passing,
            posted=asyncio.Event(),
            fetch=functools.partial(_fetch, channels),
        )
        for name, channel in channels.items()
    }
    beacon = Beacon(store) if shared else None
    wakes = [sender.posted.set for sender in senders.values()]
    # Rows this worker posts wake its own senders, and others' through the beacon.
    store.outbox_posted = Posted(*wakes, *([beacon.ring] if beacon is not None else []))
    escalator = Escalator(ctx, passing=passing)
    scheduler = Scheduler(clock)
    alarm = Alarm(scheduler, escalator, clock, settings.escalation.sweep_every)
    store.on_due(alarm.arm)
    keep = settings.storage.keep_raw_updates
    app = RetailDesk(
        settings,
        store,
        desk,
        telegram,
        channels,
        senders,
        alarm,
        scheduler,
        outbox,
        metrics,
        weekly,
        [
            *(Retention(Inbox(store, name), clock, keep) for name in channels),
            ConsoleRetention(console.access, clock),
        ],
        beacon,
        console=console,
    )

    def wake_senders() -> None:
        for wake in wakes:
            wake()

    for name, channel in channels.items():
        duty = functools.partial(_send, app, channel, senders[name])
        # One sender per channel and what it stands for (Telegram: the bot's token).
        key = f"{name}:{channel.sender_key}"
        app.seats[name] = Seat(store, key, duty, heard=wake_senders)
    return app


async def prepare(app: RetailDesk) -> None:
    """Migrate the schema and import the roster named in the config."""
    # Workers starting together on PostgreSQL take turns; the later ones find nothing to do.
    async with exclusive(app.store.engine, advisory_key("prepare")):
        await upgrade(app.store.engine)
        imported = await _import_roster(app)
    if imported >= LARGE_ROSTER:
        # The import's rows die onto the interpreter's free lists (up to 2,000 tuples of each
        # length), which lie all over the memory the import took and so keep it from the
        # system: 19 MB more resident after a start with 20,000 retailers, 50 MB with 50,000.
        # Only a full collection empties those lists; this one takes about 0.1 s.
        gc.collect()


async def _import_roster(app: RetailDesk) -> int:
    """Import the roster named in the config; return how many retailers it gave."""
    roster = load_roster(app.settings)
    if roster is None or not roster.retailers:
        return 0
    # A clash with stored links stops the start like any roster error, with its line.
    with roster.clashes_located():
        now = app.desk.ctx.clock.now()
        result = await import_retailers(app.store, roster.retailers, now)
    log.info("roster: %s", roster.outcome(result))
    return len(roster.retailers)


async def serve(app: RetailDesk, stop: asyncio.Event, *, webhook: bool = False) -> None:
    """Run until `stop` is set, then drain the outbox briefly and shut down cleanly."""
    # Polling prepares the database and each channel refuses to poll beside another poller of
    # it; a webhook worker finds the database prepared and gets its updates from the web server.
    if not webhook:
        await prepare(app)
    opened: list[Channel] = []
    try:
        for channel in app.channels.values():
            await channel.open(polling=not webhook)
            opened.append(channel)
    except BaseException:
        for channel in opened:
            await channel.close()
        raise
    app.scheduler.start()
    app.alarm.start()
    await app.alarm.fire()
    app.weekly.start(app.scheduler)
    for retention in app.retentions:
        retention.start(app.scheduler)
        await retention.tidy()
    # A summary whose moment passed while the bot was down goes out now (the claim keeps it
    # once), beside polling: a province's summaries and charts take seconds to build.
    app.weekly.catch_up(app.scheduler)
    app.webhook = webhook
    loops = [
        asyncio.create_task(channel.handle(stop), name=f"{name}-intake")
        for name, channel in app.channels.items()
    ]
    loops += [
        asyncio.create_task(seat.run(stop), name=f"{name}-seat") for name, seat in app.seats.items()
    ]
    if app.beacon is not None:
        seats = list(app.seats.values())
        loops.append(asyncio.create_task(app.beacon.run(stop, seats), name="beacon"))
    if app.store.dialect == "sqlite":
        checkpoints = Checkpointer(app.store.engine)
        loops.append(asyncio.create_task(checkpoints.run(stop), name="checkpoint"))
    polls = []
    if not webhook:
        polls = [
            asyncio.create_task(channel.poll(stop), name=f"{name}-poller")
            for name, channel in app.channels.items()
        ]
    log.info("RetailDesk is running (%s)", "webhook" if webhook else "polling")
    try:
        await _until_stop_or_crash(stop, [*polls, *loops])
    finally:
        stop.set()
        for poll in polls:
            # A long poll in flight would only delay the stop.
            poll.cancel()
        loops += polls
        # A loop stuck in a slow call to a channel must not hold the stop up; a row it was
        # sending stays leased in the outbox and goes out (marked as a repeat) on the next start.
        _, stuck = await asyncio.wait(loops, timeout=DRAIN_SECONDS)
        for task in stuck:
            task.cancel()
        await asyncio.gather(*loops, return_exceptions=True)
        for name, seat in app.seats.items():
            if seat.leading:
                await app.senders[name].drain(DRAIN_SECONDS)
        for seat in app.seats.values():
            await seat.release()
        await app.scheduler.stop()
        for channel in app.channels.values():
            await channel.close()
        if app.console is not None:
            await app.console.kept.standings.close()
        await app.store.dispose()
        log.info("RetailDesk stopped")


async def _send(app: RetailDesk, channel: Channel, sender: Sender, stop: asyncio.Event) -> None:
    """Be a channel's sender: free what a dead sender left leased, do its duties, drain."""
    # Only the sender leases a channel's rows, so leases found on taking the seat are a dead run's.
    await app.outbox.release_leases(app.desk.ctx.clock.now(), channel.name)
    duties = asyncio.create_task(channel.lead(stop), name=f"{channel.name}-lead")
    try:
        await sender.run(stop)
    finally:
        duties.cancel()
        await asyncio.gather(duties, return_exceptions=True)


async def _until_stop_or_crash(stop: asyncio.Event, loops: list[asyncio.Task[None]]) -> None:
    stopper = asyncio.ensure_future(stop.wait())
    done, _ = await asyncio.wait([stopper, *loops], return_when=asyncio.FIRST_COMPLETED)
    stopper.cancel()
    for task in done:
        if task is not stopper and task.exception() is not None:
            raise task.exception()  # type: ignore[misc]


async def _fetch(channels: dict[str, Channel], content: Content) -> Attachment | None:
    """Download a media message's file from the channel it was sent on, if that one runs here."""
    origin = content.origin
    channel = channels.get(origin.channel) if origin is not None else None
    if channel is None:
        return None
    try:
        return await channel.fetch(content)
    except Exception as error:
        # Out of reach for now: the row waits and tries again.
        if channel.passing(error):
            raise
        # Gone for good (an expired file): the message goes on as text, never lost.
        log.warning("a %s file could not be fetched: %s", content.kind, type(error).__name__)
        return None
