"""How a timeline moment's details read on a ticket's page: in words, with names for ids."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from handlers.console.words import word

# Details that hold a staff id: the page shows the name.
PEOPLE = frozenset({"target", "from", "taken_from"})
# Details that hold a word the page has words for ("detail.notify.backup" and the like).
CHOSEN = frozenset({"state", "channel", "notify"})
YES_NO = frozenset({"delivered", "repeat", "by_other", "unreadable", "retailer"})


@dataclass(frozen=True)
class Details:
    """Write a moment's details in one language, with the page's names, moments and spans."""

    lang: str
    name_of: Callable[[str], str]
    exact: Callable[[datetime | str | None], str]
    span: Callable[[float | None], str]

    def __call__(self, key: str, value: str | datetime) -> str:
        """Return one detail as "label: value"; an event's own detail reads as its parts."""
        if key == "detail" and isinstance(value, str):
            return " · ".join(self._pair(k, v) for k, v in _parts(value).items())
        return self._pair(key, value)

    def _pair(self, key: str, value: object) -> str:
        return f"{self._word(f'detail.{key}', key)}: {self._value(key, value)}"

    def _value(self, key: str, value: object) -> str:
        if isinstance(value, datetime):
            return self.exact(value)
        text = str(value)
        if key in PEOPLE:
            return self.name_of(text)
        if key in CHOSEN:
            return self._word(f"detail.{key}.{text}", text)
        if key in YES_NO:
            yes = text.lower() in ("true", "yes", "1")
            return self._word("detail.yes" if yes else "detail.no", text)
        if key in ("step", "round"):
            # Stored from 0; the page counts rungs (and rounds) from 1, as its lists do.
            return str(int(text) + 1) if text.lstrip("-").isdigit() else text
        if key == "seconds" and _is_number(text):
            return self.span(float(text))
        if key == "eta":
            return self.exact(_moment(text))
        return text

    def _word(self, key: str, stored: str) -> str:
        return word(self.lang, key, stored)


def _parts(stored: str) -> dict[str, object]:
    """Return an event's stored detail as its parts; text that is no JSON object is one part."""
    try:
        parts = json.loads(stored)
    except ValueError:
        return {"detail": stored}
    return parts if isinstance(parts, dict) else {"detail": stored}


def _moment(text: str) -> datetime | str:
    """Return a stored ISO moment as a datetime, or the text when it is none."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
