"""Tell passing trouble (the database or Telegram out of reach) from a fault of one update."""

from __future__ import annotations

from telegram.error import BadRequest, NetworkError, RetryAfter

from storage import trouble


def passing(error: BaseException) -> bool:
    """Say whether an error is about the surroundings, so retrying later will do."""
    if trouble.passing(error):
        return True
    # BadRequest is a NetworkError in python-telegram-bot, but it is the request's own fault.
    return isinstance(error, RetryAfter) or (
        isinstance(error, NetworkError) and not isinstance(error, BadRequest)
    )
