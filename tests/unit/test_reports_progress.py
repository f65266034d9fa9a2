"""The progress bar shows on a terminal and stays out of pipes."""

from __future__ import annotations

import io

from reports import TerminalBar, terminal_progress


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        """Say yes."""
        return True


def test_no_bar_when_piped() -> None:
    assert terminal_progress(io.StringIO()) is None


def test_a_bar_on_a_terminal_redraws_one_line_and_ends_it() -> None:
    screen = Terminal()
    bar = terminal_progress(screen)
    assert isinstance(bar, TerminalBar)
    bar(1, 4)
    bar(4, 4)
    assert screen.getvalue() == (
        "\rreport [######------------------] 1/4\rreport [########################] 4/4\n"
    )
