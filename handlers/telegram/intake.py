"""Hand stored updates to the PTB application, each chat in order.

A bare private text, nearly every update of a burst, skips PTB's objects and dispatch and goes
straight to the code PTB would run for it (handlers/telegram/plain.py).

On SQLite a batch of updates shares one commit (each update atomic in its own savepoint): one
writer cannot afford a commit per update. Elsewhere chats are handled side by side.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import defaultdict

from sqlalchemy.exc import SQLAlchemyError
from telegram import Update
from telegram.ext import Application

from desk.people import Address
from handlers.draining import drain
from handlers.telegram.conversation import on_plain_text
from handlers.telegram.plain import PlainText
from handlers.telegram.plain import read as read_plain
from handlers.telegram.services import Services
from handlers.telegram.texts import pick_lang, say
from handlers.telegram.trouble import passing
from storage.inbox import Inbox, Pending
from storage.trouble import brief

log = logging.getLogger(__name__)

# What _handle returns for an update that met passing trouble and is simply tried again.
WAITING = "waiting"


class Parked(str):
    """Why an update is set aside at once: the update's own fault, the same at every try."""


class Intake:
    """Process the inbox; an update that fails stays there to be tried again."""

    def __init__(
        self,
        application: Application,  # type: ignore[type-arg]
        services: Services,
        inbox: Inbox,
        parallel_chats: int = 32,
        group_size: int = 100,
        min_group: int = 60,
        idle: float = 5.0,
    ) -> None:
        self.application = application
        self.services = services
        self.inbox = inbox
        self.arrived = asyncio.Event()
        self._slots = asyncio.Semaphore(parallel_chats)
        # One commit and a handful of statements serve a whole group; the sender and the
        # poller, when they wait for the writer, get it after `min_group` updates. A group's
        # fixed cost (its reads, one insert per table, the commit) is spread over at least 60:
        # at 20 a question cost 11-14 % more CPU (bench.relay, 300 questions).
        self.group_size = group_size
        self.min_group = min_group
        # Updates stored by another worker wake nobody here, so idle waits are bounded.
        self.idle = idle

    def wake(self) -> None:
        """Signal that new updates were stored."""
        self.arrived.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Process batches until stopped, sleeping while the inbox is empty."""
        await drain(
            self.process_batch,
            self.arrived,
            stop,
            channel=self.inbox.channel,
            idle=self.idle,
            passing=passing,
        )

    async def process_batch(self, limit: int = 200) -> int:
        """Process one batch of pending updates; return how many were settled or parked."""
        pending = await self.inbox.pending(limit)
        if self.inbox.store.dialect == "sqlite":
            return await self._grouped(pending)
        by_chat: dict[str | None, list[Pending]] = defaultdict(list)
        for entry in pending:
            by_chat[entry.chat_id].append(entry)
        results = await asyncio.gather(*(self._chat(entries) for entries in by_chat.values()))
        done = [entry_id for ids, _ in results for entry_id in ids]
        await self.inbox.settle(done)
        # A parked or failed update is progress too: what waited behind it is due now.
        return len(done) + sum(failed for _, failed in results)

    async def _grouped(self, pending: list[Pending]) -> int:
        settled = 0
        stalled: set[str | None] = set()
        store, queue = self.inbox.store, pending[::-1]
        while queue:
            async with store.group_commit() as group:
                chunk = queue[-self.group_size :][::-1]
                # Checked inside the write transaction: nobody can settle these meanwhile.
                fresh = await self.inbox.still_new(group.conn, [entry.id for entry in chunk])
                group.batch.fresh = {
                    (self.inbox.channel, e.update_id) for e in chunk if e.id in fresh
                }
                chats = [
                    Address(self.inbox.channel, e.chat_id) if e.chat_id else None for e in chunk
                ]
                await group.batch.read_ahead(group.conn, chats)
                for turn, entry in enumerate(chunk):
                    # The sender and the poller get the writer between groups, or after a few.
                    if turn >= self.min_group and store.writers_waiting:
                        break
                    queue.pop()
                    if entry.id not in fresh or entry.chat_id in stalled:
                        continue
                    error = await self._handle(entry)
                    if error is None:
                        group.done.append(entry.id)
                        continue
                    if error is not WAITING:
                        # Recorded in the group's own commit: a parked update is settled with
                        # the updates after it, never left to stop the batch.
                        final = isinstance(error, Parked)
                        parked = await self.inbox.failed(entry, error, final=final, conn=group.conn)
                        settled += 1
                        if parked:
                            # Set aside for good: the chat's next update goes on at once.
                            continue
                    # Later updates of this chat wait, so the chat's order is kept.
                    stalled.add(entry.chat_id)
                settled += len(group.done)
        return settled

    async def _chat(self, entries: list[Pending]) -> tuple[list[int], int]:
        """Handle one chat's updates in order; return those done and how many failed."""
        done: list[int] = []
        failed = 0
        async with self._slots:
            for entry in entries:
                error = await self._handle(entry)
                if error is None:
                    done.append(entry.id)
                    continue
                if error is not WAITING:
                    final = isinstance(error, Parked)
                    parked = await self.inbox.failed(entry, error, final=final)
                    failed += 1
                    if parked:
                        # Set aside for good: the chat's next update goes on at once.
                        continue
                # Later updates of this chat wait, so the chat's order is kept.
                break
        return done, failed

    async def _handle(self, entry: Pending) -> str | None:
        try:
            raw = json.loads(entry.payload)
        except Exception as error:
            return await self._unreadable(entry, error)
        plain = read_plain(raw)
        if plain is not None and await self._take_plain(plain):
            return self._outcome(entry, plain.update_id)
        try:
            update = Update.de_json(raw, self.application.bot)
        except Exception as error:
            return await self._unreadable(entry, error)
        try:
            await self.application.process_update(update)
        except Exception as error:
            # PTB hands handler errors to the error handler; this is what escapes even that.
            self.services.failures[update.update_id] = error
        return self._outcome(entry, update.update_id)

    async def _take_plain(self, plain: PlainText) -> bool:
        """Handle a bare private text without PTB's objects; False when it needs them."""
        try:
            return await on_plain_text(plain, self.services.desk, self.application.bot)
        except Exception as error:
            # Kept as PTB's error handler keeps a handler's failure, and judged the same way.
            self.services.failures[plain.update_id] = error
            return True

    async def _unreadable(self, entry: Pending, error: Exception) -> Parked:
        """Park an update the library cannot read, telling its sender it was not taken."""
        # Whatever the library raises on a shape it cannot read (a string where a message
        # belongs, a date past the year 9999), reading it again gives the same answer.
        log.warning(
            "update %s is unreadable and is parked: %s", entry.update_id, type(error).__name__
        )
        await self._say_unsupported(entry.payload)
        # The stored error may quote the update; the inbox row holds its text anyway.
        return Parked(f"unreadable: {brief(error)}")

    def _outcome(self, entry: Pending, update_id: int) -> str | None:
        """Return None when the update was handled, else why it waits or is parked."""
        failure = self.services.failures.pop(update_id, None)
        if failure is None:
            return None
        if passing(failure):
            # Not the update's fault: it waits, uncounted, however long the trouble lasts.
            log.warning("update %s waits in the inbox: %s", entry.update_id, brief(failure))
            return WAITING
        if not isinstance(failure, SQLAlchemyError):
            # Not the database's doing (an id past what a column holds, a field of a type no
            # handler expects): every try fails alike, so the update is parked at once.
            log.error(
                "update %s is parked: %s", entry.update_id, type(failure).__name__, exc_info=failure
            )
            return Parked(f"failed: {brief(failure)}")
        # A constraint that another worker's update broke first may hold next time: tried again.
        log.error("update %s failed: %s", entry.update_id, brief(failure), exc_info=failure)
        return repr(failure)

    async def _say_unsupported(self, payload: str) -> None:
        """Tell the sender of a private message the library cannot read that it was not taken."""
        try:
            message = json.loads(payload).get("message") or {}
            chat, sender = message.get("chat") or {}, message.get("from") or {}
            if chat.get("type") != "private" or not isinstance(chat.get("id"), int):
                return
            lang = pick_lang(sender.get("language_code"))
            await self.application.bot.send_message(chat["id"], say(lang, "unsupported"))
        except Exception as error:
            # Best effort: the update is parked for an admin whatever happens here, and nothing
            # raised here may undo the batch it belongs to.
            log.warning(
                "could not tell the sender of an unreadable update: %s", type(error).__name__
            )
