"""Logging set-up: readable lines, and no token or message text at INFO."""

from __future__ import annotations

import logging


def configure(verbose: bool = False) -> None:
    """Log to stderr; keep chatty libraries that print URLs (with the token) at WARNING."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("httpx", "httpcore", "telegram", "apscheduler", "uvicorn.access", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
