"""The desk's texts in Simplified Chinese and English, shared by every channel.

A channel adds only its own words (how to reply, which button to press) on top; see
`handlers/telegram/texts.py`.
"""

from __future__ import annotations

from collections.abc import Mapping

from handlers.catalog.en import EN
from handlers.catalog.zh import ZH

DEFAULT_LANG = "zh"
CATALOGS: Mapping[str, Mapping[str, str]] = {"zh": ZH, "en": EN}

__all__ = ["CATALOGS", "DEFAULT_LANG", "EN", "ZH"]
