"""Push queued updates to the bot's webhook the way Telegram does, retrying on failure."""

from __future__ import annotations

import asyncio
import time

import httpx

from handlers.telegram.standin.server import Signal
from handlers.telegram.standin.world import World

MAX_BACKOFF = 2.0


class WebhookPusher:
    """Deliver updates one at a time, in order, while a webhook is set."""

    def __init__(self, world: World, signal: Signal) -> None:
        self.world = world
        self.signal = signal

    async def run(self) -> None:
        """Deliver forever; cancel the task to stop."""
        failures = 0
        async with httpx.AsyncClient(timeout=10.0) as client:
            while True:
                hook = self.world.webhook
                pending = self.world.peek_updates(1) if hook.url else []
                if not pending:
                    failures = 0
                    await self.signal.wait()
                    continue
                update = pending[0]
                headers = (
                    {"X-Telegram-Bot-Api-Secret-Token": hook.secret_token}
                    if hook.secret_token
                    else {}
                )
                try:
                    response = await client.post(hook.url, json=update, headers=headers)
                    error = (
                        None
                        if response.is_success
                        else (
                            f"Wrong response from the webhook: {response.status_code} "
                            f"{response.reason_phrase}"
                        )
                    )
                except httpx.HTTPError as exc:
                    error = f"Connection failed: {type(exc).__name__}"
                if error is None:
                    failures = 0
                    hook.delivered += 1
                    self.world.forget_update(update["update_id"])
                    continue
                failures += 1
                hook.last_error_date = int(time.time())
                hook.last_error_message = error
                # Telegram backs off between retries; a short cap keeps tests fast.
                await asyncio.sleep(min(0.05 * 2**failures, MAX_BACKOFF))
