"""Logging set-up: readable lines, and no token or message text, even with -v."""

from __future__ import annotations

import logging
from typing import IO

from handlers.telegram.tokens import hide_token

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Libraries that print URLs (with the token) or chatter at INFO.
_NOISY = ("httpx", "httpcore", "aiohttp", "telegram", "apscheduler", "uvicorn.access", "alembic")
# Database drivers log each statement with its values at DEBUG, and the values are what
# retailers wrote; SQLAlchemy itself is kept quiet by hide_parameters (storage/engine.py).
_DRIVERS = ("aiosqlite", "asyncpg")


class TokenHidingFormatter(logging.Formatter):
    """Format a record, its arguments and its traceback with any bot token masked."""

    def format(self, record: logging.LogRecord) -> str:
        """Return the line as logging would print it, with tokens replaced by <token>."""
        return hide_token(super().format(record))


def configure(verbose: bool = False, stream: IO[str] | None = None) -> logging.Handler:
    """Log to stderr (or stream); keep chatty libraries and database drivers at WARNING."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h.formatter, TokenHidingFormatter)]:
        root.removeHandler(old)
    handler = logging.StreamHandler(stream)
    handler.setFormatter(TokenHidingFormatter(FORMAT))
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for noisy in (*_NOISY, *_DRIVERS):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return handler
