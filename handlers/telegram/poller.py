"""Long-poll getUpdates, storing each batch in the inbox before confirming it."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

from telegram.error import InvalidToken

from desk.clock import Clock
from handlers.channel import InboundHeldError
from handlers.telegram.deskbot import DeskBot
from handlers.waiting import first_of
from storage.inbox import Arrival, Inbox
from storage.locks import SessionLock, advisory_key
from storage.store import SqlStore
from storage.trouble import brief

log = logging.getLogger(__name__)


# What the inbox's BIGINT columns hold; Telegram's ids are far inside it.
_ID_RANGE = range(-(2**63), 2**63)


class AlreadyPollingError(InboundHeldError):
    """Another process already polls Telegram for this bot."""


async def hold_polling(store: SqlStore, token: str) -> SessionLock | None:
    """Take the one polling seat for this bot on PostgreSQL, or raise AlreadyPollingError."""
    if store.dialect != "postgresql":
        return None
    lock = SessionLock(store.engine, advisory_key("polling", token))
    if not await lock.try_acquire():
        await lock.release()
        raise AlreadyPollingError(
            "another `retaildesk run` is already polling Telegram for this bot on this database;"
            " Telegram allows one getUpdates consumer per token. Run a single poller, or use"
            " `retaildesk serve --workers N` (webhook) to scale out."
        )
    return lock


def chat_of(raw: dict[str, Any]) -> str | None:
    """Return the chat an update belongs to, so one chat's updates stay in order.

    Never raises: whatever shape an update has, it is stored, and reading it is the intake's job.
    """
    for key in (
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "my_chat_member",
    ):
        if isinstance(raw.get(key), dict):
            return _chat_or_none(_field(raw[key], "chat", "id"))
    query = raw.get("callback_query")
    if isinstance(query, dict):
        return _chat_or_none(_field(query, "from", "id"))
    return None


def _chat_or_none(value: object) -> str | None:
    """Return a chat id as the inbox keeps it (a string), if it is one."""
    chat = _id_or_none(value)
    return str(chat) if chat is not None else None


def update_id_of(raw: object) -> int | None:
    """Return an update's id if it is one the inbox can hold, else None."""
    return _id_or_none(raw.get("update_id")) if isinstance(raw, dict) else None


def payload_of(raw: dict[str, Any]) -> str:
    """Return the text an update is stored as, readable as the JSON Telegram sent."""
    text = json.dumps(raw, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate cannot be stored as UTF-8; escaped, it reads back the same.
        return json.dumps(raw)
    return text


def _field(parent: dict[str, Any], key: str, inner: str) -> object:
    child = parent.get(key)
    return child.get(inner) if isinstance(child, dict) else None


def _id_or_none(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if value in _ID_RANGE else None


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
            Arrival(update_id, chat_of(raw), payload_of(raw))
            for raw in updates
            if (update_id := update_id_of(raw)) is not None
        ]
        if len(arrivals) < len(updates):
            log.warning(
                "getUpdates returned %d entries without a usable update id",
                len(updates) - len(arrivals),
            )
        if not arrivals:
            return 0
        fresh = await self.inbox.keep(arrivals, self.clock.now())
        self.offset = max(a.update_id for a in arrivals) + 1
        self.wake()
        return fresh
