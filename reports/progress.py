"""A tiny progress bar for long reports, shown only when someone watches a terminal."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

Progress = Callable[[int, int], None]
"""Called with (steps done, steps in all) as a report is built."""

_WIDTH = 24


class TerminalBar:
    """Redraw one line on a terminal stream as the steps go by."""

    def __init__(self, stream: TextIO, label: str = "report") -> None:
        self.stream = stream
        self.label = label

    def __call__(self, done: int, total: int) -> None:
        """Draw the bar for this many steps done; end the line when all are."""
        filled = _WIDTH * done // total if total else _WIDTH
        bar = "#" * filled + "-" * (_WIDTH - filled)
        end = "\n" if done >= total else ""
        self.stream.write(f"\r{self.label} [{bar}] {done}/{total}{end}")
        self.stream.flush()


def terminal_progress(stream: TextIO, label: str = "report") -> Progress | None:
    """Return a bar drawn on the stream when it is a terminal, None when piped or redirected."""
    isatty = getattr(stream, "isatty", None)
    return TerminalBar(stream, label) if isatty is not None and isatty() else None
