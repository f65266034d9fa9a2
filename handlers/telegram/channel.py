"""Telegram as a channel of the desk: the bot, its updates in, its notices out."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from pydantic import SecretStr
from starlette.routing import BaseRoute
from telegram import Update
from telegram.error import BadRequest, InvalidToken, TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes

from desk.content import Content, ContentKind
from desk.languages import everyone_as_picked
from desk.notices import Attachment
from desk.service import Desk
from handlers.channel import Tally
from handlers.console.links import ConsoleLink
from handlers.telegram import menus, trouble
from handlers.telegram.courier import Courier
from handlers.telegram.deskbot import DeskBot
from handlers.telegram.intake import Intake
from handlers.telegram.pacing import PacedLimiter
from handlers.telegram.poller import Poller, hold_polling
from handlers.telegram.render import Renderer
from handlers.telegram.router import install
from handlers.telegram.services import Services
from handlers.telegram.transport import AiohttpRequest
from handlers.telegram.webhook import BODY_SECONDS, webhook_path, webhook_route
from handlers.waiting import first_of
from reports.staff_report import ReportMaker
from storage.inbox import Inbox
from storage.locks import SessionLock
from storage.store import SqlStore

log = logging.getLogger(__name__)

NAME = "telegram"
DEFAULT_FILE_URL = "https://api.telegram.org/file/bot"


class TelegramConfig(Protocol):
    """The [telegram] section, as the channel reads it."""

    token: SecretStr
    base_url: str
    base_file_url: str | None
    webhook_url: str | None
    secret_token: SecretStr | None
    poll_timeout: int
    messages_per_second: float


class TelegramChannel:
    """The Telegram side of the desk: PTB's handlers in, the courier out."""

    name = NAME

    def __init__(
        self,
        config: TelegramConfig,
        desk: Desk,
        store: SqlStore,
        reports: ReportMaker | None = None,
        console: ConsoleLink | None = None,
    ) -> None:
        self.config = config
        self.desk = desk
        self.store = store
        clock = desk.ctx.clock
        self.bot = make_bot(config)
        self.application = _application(self.bot)
        services: Services = self.application.bot_data
        services.wire(desk, reports, console)
        install(self.application)
        self.inbox = Inbox(store, NAME)
        self.intake = Intake(self.application, services, self.inbox)
        self.poller = Poller(
            self.bot, self.inbox, clock, self.intake.wake, timeout=config.poll_timeout
        )
        self.courier = Courier(self.bot, Renderer(desk.ctx.timezone))
        # Telegram's rate limits are per bot, so one sender speaks for each token.
        self.sender_key = config.token.get_secret_value()
        self.body_seconds = BODY_SECONDS
        self._polling: SessionLock | None = None
        self._webhook = False

    def passing(self, error: BaseException) -> bool:
        """Say whether an error is passing trouble: the database or Telegram out of reach."""
        return trouble.passing(error)

    async def open(self, *, polling: bool) -> None:
        """Take the one polling seat of this bot (when polling) and start PTB's application."""
        if polling:
            self._polling = await hold_polling(self.store, self.sender_key)
        self._webhook = not polling
        try:
            await self.application.initialize()
            await self.application.start()
        except BaseException:
            await self._release_polling()
            raise

    async def close(self) -> None:
        """Give up the polling seat and stop PTB's application."""
        await self._release_polling()
        await self.application.stop()
        await self.application.shutdown()

    async def _release_polling(self) -> None:
        if self._polling is not None:
            await self._polling.release()
            self._polling = None

    async def poll(self, stop: asyncio.Event) -> None:
        """Long-poll getUpdates into the inbox until stopped."""
        await self.poller.run(stop)

    async def handle(self, stop: asyncio.Event) -> None:
        """Run stored updates through the handlers until stopped."""
        await self.intake.run(stop)

    def routes(self, tally: Tally) -> Sequence[BaseRoute]:
        """Return the webhook route at the path of [telegram] webhook_url."""
        secret = self.config.secret_token
        route = webhook_route(
            webhook_path(self.config.webhook_url),
            secret.get_secret_value() if secret is not None else None,
            self.inbox,
            self.desk.ctx.clock,
            self.intake.wake,
            tally,
            body_seconds=self.body_seconds,
        )
        return [route]

    async def fetch(self, content: Content) -> Attachment | None:
        """Download a Telegram file by its file id, for a channel that cannot copy the message."""
        if content.file is None:
            return None
        found = await self.bot.get_file(content.file)
        data = bytes(await found.download_as_bytearray())
        name = Path(found.file_path or content.file).name
        return Attachment(name, data, as_photo=content.kind is ContentKind.PHOTO)

    async def lead(self, stop: asyncio.Event) -> None:
        """Publish the menus and, when serving the webhook, point Telegram at it."""
        # Once per leadership: the menus are the one writer's to keep current.
        duties = [self._publish_menus()]
        if self._webhook and self.config.webhook_url is not None:
            duties.append(self._register_webhook(self.config.webhook_url, stop))
        for failure in await asyncio.gather(*duties, return_exceptions=True):
            if isinstance(failure, Exception):
                log.error("a duty of Telegram's sender failed: %s", type(failure).__name__)

    async def _publish_menus(self) -> None:
        """Show each audience its commands, staff in the language they picked."""
        staff = await everyone_as_picked(self.desk.ctx)
        await menus.publish(self.bot, self.desk.ctx.team, staff)

    async def _register_webhook(self, url: str, stop: asyncio.Event) -> None:
        """Point Telegram at the webhook, retrying while Telegram cannot be reached."""
        secret = self.config.secret_token
        pause = 1.0
        while not stop.is_set():
            try:
                await self.bot.set_webhook(
                    url,
                    secret_token=secret.get_secret_value() if secret else None,
                    allowed_updates=Update.ALL_TYPES,
                )
            except (BadRequest, InvalidToken) as error:
                log.error(
                    "Telegram refused the webhook %s: %s; fix [telegram] webhook_url", url, error
                )
                return
            except TelegramError as error:
                log.warning("setWebhook failed, retrying in %.0fs: %s", pause, error)
                await first_of(stop, within=pause)
                pause = min(pause * 2, 60.0)
            else:
                log.info("webhook set to %s", url)
                return


def make_bot(config: TelegramConfig) -> DeskBot:
    """Build the bot: aiohttp transport, and the paced limiter when a rate is set."""
    limiter = None
    if config.messages_per_second > 0:
        # A strict one-second window, since one elected sender speaks for every worker.
        limiter = PacedLimiter(config.messages_per_second)
    return DeskBot(
        config.token.get_secret_value(),
        base_url=config.base_url,
        base_file_url=config.base_file_url or DEFAULT_FILE_URL,
        request=AiohttpRequest(connection_pool_size=32, connect_timeout=5, read_timeout=10),
        get_updates_request=AiohttpRequest(connection_pool_size=1, connect_timeout=5),
        rate_limiter=limiter,
    )


def _application(bot: DeskBot) -> Application:  # type: ignore[type-arg]
    contexts = ContextTypes(bot_data=Services)
    # The desk schedules through its own scheduler; PTB's JobQueue would only idle.
    builder = ApplicationBuilder().bot(bot).context_types(contexts).updater(None)
    return builder.job_queue(None).build()
