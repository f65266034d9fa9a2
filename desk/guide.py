"""The guidance library: short topics retailers browse, and matching entries to a question."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from functools import cached_property
from typing import Any

DEFAULT_LANG = "zh"
# Approved answers from managers form a topic of their own, after the admin's topics.
ANSWERS_TOPIC = "answers"
SUGGESTIONS = 3
# A saved answer matches a question when this share of the question's words appear in it.
CLOSE_ENOUGH = 0.5

_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[a-z0-9]{3,}")


def _pick(texts: Mapping[str, str], lang: str) -> str:
    """Return the text in a language, else Chinese, else whatever there is."""
    return texts.get(lang) or texts.get(DEFAULT_LANG) or next(iter(texts.values()), "")


def mentions(folded: str, keyword: str) -> bool:
    """Say whether a folded text contains a keyword; English keywords as whole words."""
    if not keyword.isascii():
        return keyword in folded
    pattern = rf"(?<![a-z0-9]){re.escape(keyword)}(?:s|es)?(?![a-z0-9])"
    return re.search(pattern, folded) is not None


def grams(text: str) -> frozenset[str]:
    """Return the words of a text: Chinese character pairs, and English words of 3+ letters."""
    folded = text.casefold()
    found: set[str] = set(_WORD.findall(folded))
    for run in _CJK_RUN.findall(folded):
        found.update(run[i : i + 2] for i in range(max(len(run) - 1, 1)))
    return frozenset(found)


@dataclass(frozen=True)
class Topic:
    """A heading retailers browse by, named in each language."""

    key: str
    names: Mapping[str, str] = field(default_factory=dict)

    def name(self, lang: str) -> str:
        """Return the topic's name in a language."""
        return _pick(self.names, lang) or self.key


@dataclass(frozen=True)
class Entry:
    """One piece of guidance: a title and a short text in each language, and its keywords."""

    id: str
    topic: str
    titles: Mapping[str, str]
    texts: Mapping[str, str]
    keywords: tuple[str, ...] = ()
    # What a question resembling this entry looks like: the question a saved answer answered.
    sample: str = ""

    def title(self, lang: str) -> str:
        """Return the title in a language."""
        return _pick(self.titles, lang)

    def text(self, lang: str) -> str:
        """Return the guidance in a language."""
        return _pick(self.texts, lang)

    @cached_property
    def words(self) -> frozenset[str]:
        """Return the words a question is compared with."""
        return grams(" ".join([*self.titles.values(), *self.keywords, self.sample]))

    def score(self, question: str, asked: frozenset[str]) -> float:
        """Rate how well the entry fits a question; 0 when it does not fit at all."""
        folded = question.casefold()
        hits = sum(1 for k in self.keywords if mentions(folded, k.casefold()))
        shared = len(asked & self.words) / len(asked) if asked else 0.0
        if hits == 0 and shared < CLOSE_ENOUGH:
            return 0.0
        return hits + shared


@dataclass(frozen=True)
class Library:
    """The topics and entries retailers can read, in the order the admin wrote them."""

    topics: tuple[Topic, ...] = ()
    entries: tuple[Entry, ...] = ()

    def topic(self, key: str) -> Topic | None:
        """Return a topic by key."""
        return next((t for t in self.topics if t.key == key), None)

    def entry(self, entry_id: str) -> Entry | None:
        """Return an entry by id."""
        return next((e for e in self.entries if e.id == entry_id), None)

    def in_topic(self, key: str) -> list[Entry]:
        """Return a topic's entries."""
        return [e for e in self.entries if e.topic == key]

    def with_entries(self, extra: Iterable[Entry]) -> Library:
        """Return the library with more entries, their topics added as needed."""
        entries = (*self.entries, *extra)
        known = {t.key for t in self.topics}
        added = tuple(
            Topic(key) for key in dict.fromkeys(e.topic for e in entries) if key not in known
        )
        return replace(self, topics=self.topics + added, entries=entries)

    def suggest(self, question: str, limit: int = SUGGESTIONS) -> list[Entry]:
        """Return up to `limit` entries that fit a question, best first."""
        asked = grams(question)
        scored = [(entry.score(question, asked), index) for index, entry in enumerate(self.entries)]
        best = sorted((s for s in scored if s[0] > 0), key=lambda s: (-s[0], s[1]))
        return [self.entries[index] for _, index in best[:limit]]


class DraftState(StrEnum):
    """Where a saved answer stands on its way into the library."""

    DRAFT = "draft"
    APPROVED = "approved"
    REJECTED = "rejected"


@dataclass(frozen=True)
class GuideDraft:
    """A manager's answer saved for the library, waiting for a supervisor or admin."""

    id: int
    ticket_id: int
    author_id: str
    question: str
    answer: str
    lang: str
    created_at: datetime
    # The staff member's own message the draft was made from, where it was sent.
    channel: str
    chat: str
    message_id: str
    state: DraftState = DraftState.DRAFT
    decided_by: str | None = None
    decided_at: datetime | None = None

    def entry(self) -> Entry:
        """Return the library entry an approved draft becomes."""
        title = " ".join(self.question.split())
        title = title if len(title) <= 60 else title[:59] + "…"
        return Entry(
            id=f"d{self.id}",
            topic=ANSWERS_TOPIC,
            titles={self.lang: title},
            texts={self.lang: self.answer},
            sample=self.question,
        )

    def evolve(self, **changes: Any) -> GuideDraft:
        """Return a copy with some fields changed."""
        return replace(self, **changes)
