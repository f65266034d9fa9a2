"""Offer the stand-in Telegram to tests: lifecycle, users, inspection, waiting and faults."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from types import TracebackType
from typing import Self, TypeVar

from handlers.telegram.standin.control import control_routes
from handlers.telegram.standin.faults import Fault
from handlers.telegram.standin.records import JSON, Call, Person
from handlers.telegram.standin.registry import lookup
from handlers.telegram.standin.server import ApiServer, LoopbackServer, Signal
from handlers.telegram.standin.users import StandinUser
from handlers.telegram.standin.webhook import WebhookPusher
from handlers.telegram.standin.world import World

T = TypeVar("T")

_UVICORN_LOGGER = "uvicorn.error"


class Standin:
    """A local Telegram Bot API that PTB can talk to via base_url."""

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_username: str = "retaildesk_bot",
        strict_chats: bool = True,
    ) -> None:
        self.world = World(token, bot_username, strict_chats)
        self._signal = Signal()
        self.world.on_change = self._signal.fire
        self._api = ApiServer(self.world, self._signal, control_routes(self))
        self._http = LoopbackServer(self._api.app, host=host, port=port)
        self._http.before_stop = self._api.close
        self._pusher: asyncio.Task[None] | None = None
        self._read_upto: dict[int, int] = {}

    # Lifecycle -------------------------------------------------------------

    @property
    def token(self) -> str:
        """Return the bot token the stand-in accepts."""
        return self.world.token

    @property
    def port(self) -> int:
        """Return the bound port (known after start)."""
        return self._http.port

    @property
    def url(self) -> str:
        """Return the server root URL."""
        return self._http.url

    @property
    def base_url(self) -> str:
        """Return the value for PTB's base_url; PTB appends the token and method."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """Return the value for PTB's base_file_url."""
        return f"{self.url}/file/bot"

    async def start(self) -> None:
        """Start serving on loopback."""
        self._api.closing = False
        logging.getLogger(_UVICORN_LOGGER).addFilter(self._api.drops)
        await self._http.start()
        self._pusher = asyncio.create_task(WebhookPusher(self.world, self._signal).run())

    async def stop(self) -> None:
        """Stop quickly, releasing pending long polls and stalls."""
        if self._pusher is not None:
            self._pusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pusher
            self._pusher = None
        try:
            await self._http.stop()
        finally:
            logging.getLogger(_UVICORN_LOGGER).removeFilter(self._api.drops)

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # Acting as Telegram users ---------------------------------------------

    def user(
        self,
        user_id: int,
        first_name: str,
        *,
        username: str | None = None,
        last_name: str | None = None,
        language_code: str | None = "zh-hans",
        started: bool = True,
    ) -> StandinUser:
        """Register a user (private chat id == user id); started users may receive messages."""
        old = self.world.people.get(user_id)
        person = Person(user_id, first_name, last_name, username, language_code, started)
        person.blocked = old.blocked if old else False
        return StandinUser(self.world, self.world.add_person(person))

    def get_user(self, user_id: int) -> StandinUser:
        """Return the handle of an already registered user."""
        person = self.world.people.get(user_id)
        if person is None:
            raise LookupError(f"user {user_id} is not registered")
        return StandinUser(self.world, person)

    def raw_update(self, update: JSON) -> int:
        """Queue any update payload verbatim under a fresh update_id, which is returned."""
        payload = {k: v for k, v in update.items() if k != "update_id"}
        return self.world.enqueue_raw(payload)

    def channel_post(self, chat_id: int, text: str, *, title: str | None = None) -> JSON:
        """Publish a post in a channel the bot administers."""
        chat = self.world.ensure_chat(
            {"id": chat_id, "type": "channel", "title": title or f"Channel {chat_id}"}
        )
        message = self.world.post(chat, None, {"text": text}, by_bot=False)
        self.world.note(f"← chat {chat_id} ({self.world.label(chat_id)}): {text}")
        self.world.enqueue("channel_post", message)
        return message

    # Inspection ------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        """Return every Bot API call so far, including failed ones."""
        return self.world.calls

    def calls_to(self, method: str) -> list[Call]:
        """Return the calls of one method (case-insensitive)."""
        wanted = method.lower()
        return [call for call in self.world.calls if call.method.lower() == wanted]

    def inbox(self, chat_id: int) -> list[JSON]:
        """Return the bot's live messages in a chat, oldest first."""
        return self.world.inbox(chat_id)

    def last(self, chat_id: int) -> JSON:
        """Return the bot's latest message in a chat."""
        inbox = self.world.inbox(chat_id)
        if not inbox:
            raise LookupError(f"the bot has no messages in chat {chat_id}")
        return inbox[-1]

    def keyboard(self, chat_id: int) -> list[list[str]] | None:
        """Return the button labels of the reply keyboard shown in a chat, if any."""
        markup = self.world.keyboards.get(chat_id)
        if markup is None:
            return None
        return [[b if isinstance(b, str) else b["text"] for b in row] for row in markup["keyboard"]]

    @property
    def answered_callbacks(self) -> list[JSON]:
        """Return answerCallbackQuery calls that succeeded, in order."""
        return self.world.answered_callbacks

    @property
    def pending_updates(self) -> int:
        """Count updates the bot has not confirmed yet."""
        return self.world.pending_updates

    @property
    def polls_waiting(self) -> int:
        """Count getUpdates long polls currently parked waiting for updates."""
        return self._api.polls_waiting

    def transcript(self) -> list[str]:
        """Return the conversation as readable lines, e.g. '→ chat 5001 (李经理): 你好'."""
        return list(self.world.log)

    # Waiting ---------------------------------------------------------------

    # The timeout keyword is part of the test-facing API, hence the ASYNC109 waivers.
    async def wait_for(
        self,
        predicate: Callable[[], T | None],
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> T:
        """Re-check predicate after every call or update until it returns something truthy."""
        # A LookupError (say, last() on a still-empty chat) means "not yet", not failure.
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        missing: LookupError | None = None
        while True:
            try:
                value = predicate()
            except LookupError as error:
                value, missing = None, error
            if value:
                return value
            remaining = deadline - loop.time()
            if remaining <= 0:
                report = self._timeout_report(timeout)
                raise TimeoutError(
                    f"{report}\nlast lookup error: {missing!r}" if missing else report
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._signal.wait(), remaining)

    async def wait_message(
        self,
        chat_id: int,
        contains: str | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> JSON:
        """Wait for the next bot message in a chat after the last one this returned."""
        after = self._read_upto.get(chat_id, 0)

        def find() -> JSON | None:
            for message in self.world.inbox(chat_id):
                body = message.get("text") or message.get("caption") or ""
                if message["message_id"] > after and (contains is None or contains in body):
                    return message
            return None

        try:
            message = await self.wait_for(find, timeout)
        except TimeoutError as error:
            wanted = f" containing {contains!r}" if contains else ""
            raise TimeoutError(f"no bot message in chat {chat_id}{wanted}; {error}") from None
        self._read_upto[chat_id] = message["message_id"]
        return message

    def _timeout_report(self, timeout: float) -> str:
        now = time.monotonic()
        lines = [f"condition not met within {timeout}s; pending updates: {self.pending_updates}"]
        lines.append("last calls:" if self.world.calls else "no Bot API calls were made")
        for call in self.world.calls[-10:]:
            shown = {k: v for k, v in call.params.items() if k != "reply_markup"}
            lines.append(f"  -{now - call.at:.2f}s {call.method} {shown} -> {call.status}")
        lines.extend(f"  | {line}" for line in self.world.log[-5:])
        return "\n".join(lines)

    # Faults ----------------------------------------------------------------

    def _arm(self, fault: Fault, times: int | None, seconds: float | None) -> Fault:
        if fault.method != "*" and lookup(fault.method) is None:
            raise ValueError(f"unknown Bot API method {fault.method!r}")
        fault.remaining = times
        fault.until = None if seconds is None else time.monotonic() + seconds
        return self.world.faults.add(fault)

    def fail(
        self,
        method: str = "*",
        status: int = 500,
        times: int | None = None,
        seconds: float | None = None,
        retry_after: int = 1,
    ) -> Fault:
        """Fail matching calls with status (429 carries retry_after) without touching state."""
        if not 400 <= status <= 599:
            raise ValueError("status must be an HTTP error code")
        fault = Fault("fail", method, status=status, retry_after=retry_after)
        return self._arm(fault, times, seconds)

    def stall(self, method: str = "*", times: int | None = 1, seconds: float = 30.0) -> Fault:
        """Hold matching calls for seconds (or until the client leaves or we stop), then fail."""
        return self._arm(Fault("stall", method, hold=seconds), times, None)

    def drop(self, method: str = "*", times: int | None = 1) -> Fault:
        """Close the connection of matching calls without a complete response."""
        return self._arm(Fault("drop", method), times, None)

    def heal(self) -> None:
        """Disarm every fault."""
        self.world.faults.clear()
