"""Long-poll getUpdates, storing each batch in the inbox before confirming it."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

from telegram.error import InvalidToken

from bot.trouble import brief
from bot.waiting import first_of
from desk.clock import Clock
from handlers.telegram.deskbot import DeskBot
from storage.inbox import Arrival, Inbox

log = logging.getLogger(__name__)


def chat_of(raw: dict[str, Any]) -> int | None:
    """Return the chat an update belongs to, so one chat's updates stay in order."""
    for key in (
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "my_chat_member",
    ):
        if isinstance(raw.get(key), dict):
            return _int_or_none(raw[key].get("chat", {}).get("id"))
    query = raw.get("callback_query")
    if isinstance(query, dict):
        return _int_or_none(query.get("from", {}).get("id"))
    return None


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) else None


class Poller:
    """Fetch updates; the offset moves past a batch only after it is stored."""

    def __init__(
        self, bot: DeskBot, inbox: Inbox, clock: Clock, wake: Callable[[], None], timeout: int = 25
    ) -> None:
        self.bot = bot
        self.inbox = inbox
        self.clock = clock
        self.wake = wake
        self.timeout = timeout
        self.offset: int | None = None
        self.last_error: str | None = None

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until stopped; network and database trouble only slow it down."""
        stored = await self.inbox.last_update_id()
        self.offset = stored + 1 if stored is not None else None
        pause = 0.5
        while not stop.is_set():
            try:
                await self.poll_once()
                pause = 0.5
            except InvalidToken:
                log.error("Telegram rejected the bot token; fix [telegram] token and restart")
                raise
            except Exception as error:
                # A lost batch is not confirmed, so Telegram delivers it again next time.
                self.last_error = brief(error)
                log.error(
                    "polling failed, updates stay unconfirmed; retrying in %.1fs: %s",
                    pause,
                    self.last_error,
                )
                await first_of(stop, within=pause)
                pause = min(pause * 2, 30.0)

    async def poll_once(self) -> int:
        """Fetch one batch, store it, then advance the offset; return how many were new."""
        updates = await self.bot.raw_updates(self.offset, self.timeout)
        # Stored as Telegram sent them, fields this library does not know included.
        arrivals = [
            Arrival(raw["update_id"], chat_of(raw), json.dumps(raw, ensure_ascii=False))
            for raw in updates
            if isinstance(raw, dict) and isinstance(raw.get("update_id"), int)
        ]
        if len(arrivals) < len(updates):
            log.warning(
                "getUpdates returned %d entries without an update id", len(updates) - len(arrivals)
            )
        if not arrivals:
            return 0
        fresh = await self.inbox.keep(arrivals, self.clock.now())
        self.offset = max(a.update_id for a in arrivals) + 1
        self.wake()
        return fresh
