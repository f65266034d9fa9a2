"""Keep the bot token out of any text that may be printed: errors, logs, tracebacks."""

from __future__ import annotations

import re

# The Bot API puts the token in the path of every call (…/bot123456:AAE…/sendMessage), and a
# token seen anywhere else has the same shape: the bot's id, a colon, then letters and digits.
_TOKEN = re.compile(r"(?<![\w:])(bot)?\d{3,}:[A-Za-z0-9_-]{8,}")
MASK = "<token>"


def hide_token(text: str) -> str:
    """Return the text with every bot token in it replaced by <token>."""
    return _TOKEN.sub(lambda found: f"{found[1] or ''}{MASK}", text)
