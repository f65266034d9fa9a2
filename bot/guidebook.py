"""Read the guidance library from the plain-text file an admin edits (docs/GUIDE_FORMAT.md)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from bot.problems import ConfigError, Problem
from desk.guide import ANSWERS_TOPIC, Entry, Library, Topic

LANGS = ("zh", "en")
_HEADER = re.compile(r"^\[(topic|entry)\s+(\S+)\]\s*$")
_KEY = re.compile(r"^[a-z0-9][a-z0-9._-]{0,39}$")
_FIELD = re.compile(r"^([a-z.]+)\s*=\s*(.*)$")
_KEYWORD_SPLIT = re.compile(r"[,，、;；]")
ENTRY_FIELDS = {"topic", "keywords", *(f"{k}.{lang}" for k in ("title", "text") for lang in LANGS)}


@dataclass
class _Section:
    kind: str
    key: str
    line: int
    values: dict[str, str] = field(default_factory=dict)
    last: str | None = None


def load_guide(path: Path | None) -> Library:
    """Read a guide file; an absent setting means an empty library."""
    if path is None:
        return Library()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError([Problem(str(path), "", "guide file not found")]) from None
    except UnicodeDecodeError as error:
        message = f"not UTF-8 text (byte {error.start}); save it as UTF-8"
        raise ConfigError([Problem(str(path), "", message)]) from None
    except OSError as error:
        raise ConfigError([Problem(str(path), "", f"cannot read: {error.strerror}")]) from None
    return parse_guide(text, str(path))


def guide_problems(path: Path | None) -> list[Problem]:
    """Return every problem that would stop the guide file from loading at start."""
    try:
        load_guide(path)
    except ConfigError as error:
        return error.problems
    return []


def parse_guide(text: str, file: str = "guide.txt") -> Library:
    """Parse the guide format; raise ConfigError listing every problem with its line."""
    problems: list[Problem] = []
    sections = _sections(text, file, problems)
    topics = [_topic(s, file, problems) for s in sections if s.kind == "topic"]
    known = {t.key for t in topics}
    entries = [_entry(s, known, file, problems) for s in sections if s.kind == "entry"]
    seen: set[tuple[str, str]] = set()
    for section in sections:
        if (section.kind, section.key) in seen:
            problems.append(Problem(file, section.key, f"{section.kind} named twice", section.line))
        seen.add((section.kind, section.key))
    if problems:
        raise ConfigError(problems)
    return Library(tuple(topics), tuple(e for e in entries if e is not None))


def _sections(text: str, file: str, problems: list[Problem]) -> list[_Section]:
    sections: list[_Section] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip()
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        current = sections[-1] if sections else None
        if raw[:1].isspace():
            # An indented line continues the value above it, as a new line of text.
            if current is None or current.last is None:
                problems.append(Problem(file, "", "indented line continues nothing", number))
            else:
                joined = f"{current.values[current.last]}\n{line.strip()}"
                current.values[current.last] = joined.strip()
            continue
        header = _HEADER.match(line)
        if header:
            if not _KEY.match(header[2]) or header[2] == ANSWERS_TOPIC:
                message = "use 1-40 lowercase letters, digits, '.', '-' or '_'"
                if header[2] == ANSWERS_TOPIC:
                    message = f"'{ANSWERS_TOPIC}' is kept for approved answers"
                problems.append(Problem(file, header[2], message, number))
            sections.append(_Section(header[1], header[2], number))
            continue
        pair = _FIELD.match(line)
        if pair is None or current is None:
            problems.append(
                Problem(file, "", "expected [topic KEY], [entry ID] or name = value", number)
            )
            continue
        current.values[pair[1]] = pair[2].strip()
        current.last = pair[1]
    return sections


def _topic(section: _Section, file: str, problems: list[Problem]) -> Topic:
    for name in section.values.keys() - set(LANGS):
        problems.append(
            Problem(
                file, f"{section.key}.{name}", "unknown field; topics take zh and en", section.line
            )
        )
    return Topic(section.key, {k: v for k, v in section.values.items() if k in LANGS and v})


def _entry(section: _Section, topics: set[str], file: str, problems: list[Problem]) -> Entry | None:
    values, before = section.values, len(problems)

    def problem(name: str, message: str) -> None:
        problems.append(
            Problem(file, f"{section.key}.{name}" if name else section.key, message, section.line)
        )

    for name in values.keys() - ENTRY_FIELDS:
        problem(name, "unknown field; entries take topic, keywords, title.zh/en and text.zh/en")
    if values.get("topic") not in topics:
        problem("topic", f"names no [topic] above; known: {', '.join(sorted(topics)) or 'none'}")
    titles = {lang: values[f"title.{lang}"] for lang in LANGS if values.get(f"title.{lang}")}
    texts = {lang: values[f"text.{lang}"] for lang in LANGS if values.get(f"text.{lang}")}
    if not titles:
        problem("title.zh", "an entry needs a title in at least one language")
    if not texts:
        problem("text.zh", "an entry needs a text in at least one language")
    if len(problems) > before:
        return None
    keywords = tuple(
        k.strip() for k in _KEYWORD_SPLIT.split(values.get("keywords", "")) if k.strip()
    )
    return Entry(section.key, values["topic"], titles, texts, keywords)
