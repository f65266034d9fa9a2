"""PTB's bot, with the two calls the relay makes most kept to the data it needs."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import ExtBot

JSONDict = dict[str, Any]


class DeskBot(ExtBot[Any]):
    """An ExtBot whose hot calls return plain data instead of full Telegram objects.

    Every question is one getUpdates entry and two sends. Building a Message from each send's
    reply (only its id is kept) and an Update that is stored as JSON straight away cost more
    than the HTTP calls themselves. Defaults, the rate limiter and error handling are PTB's.
    """

    async def send_for_id(self, method: str, params: JSONDict) -> int:
        """Call a method that posts a message; return the new message's id."""
        result = await self._post(method, dict(params))
        return int(result["message_id"])

    async def raw_updates(self, offset: int | None, wait: int) -> list[JSONDict]:
        """Long-poll getUpdates for up to `wait` seconds; return updates as Telegram sent them."""
        params = {"offset": offset, "timeout": wait, "allowed_updates": Update.ALL_TYPES}
        # The read timeout outlasts the long poll, so a quiet minute is not a network error.
        updates: list[JSONDict] = await self._post("getUpdates", params, read_timeout=wait + 10)
        return updates
