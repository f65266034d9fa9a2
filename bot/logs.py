"""Logging set-up: readable lines, and no token or message text at INFO."""

from __future__ import annotations

import logging

# Libraries that print URLs (with the token) or chatter at INFO.
_NOISY = ("httpx", "httpcore", "aiohttp", "telegram", "apscheduler", "uvicorn.access", "alembic")


def configure(verbose: bool = False) -> None:
    """Log to stderr; keep chatty libraries that print URLs (with the token) at WARNING."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for noisy in _NOISY:
        logging.getLogger(noisy).setLevel(logging.WARNING)
