"""Settings and button helpers for the end-to-end tests of the field cases."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.config import Settings
from handlers.telegram.standin import Standin
from tests.e2e.harness import desk_mapping


def field_settings(tg: Standin, folder: Path, **sections: Any) -> Settings:
    """Return the small team's settings with the given sections added or replaced."""
    mapping = desk_mapping(tg, folder)
    mapping.update(sections)
    return Settings.from_mapping(mapping, env={}, config_dir=folder)


def buttons(message: dict[str, Any]) -> list[str]:
    """Return the callback data of a message's inline buttons, in order."""
    markup = message.get("reply_markup") or {}
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]
