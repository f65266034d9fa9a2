"""The progress bar shows on a terminal and stays out of pipes and logs."""

from __future__ import annotations

import io

from bot.progress import terminal_progress


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        """Say yes."""
        return True


def test_no_bar_when_piped() -> None:
    piped = io.StringIO()
    with terminal_progress("report", "step", piped) as advance:
        advance(1, 4)
        advance(4, 4)
    assert piped.getvalue() == ""


def test_a_bar_on_a_terminal_counts_to_the_end_and_ends_its_line() -> None:
    screen = Terminal()
    with terminal_progress("report", "step", screen) as advance:
        advance(1, 4)
        advance(4, 4)
    drawn = screen.getvalue()
    assert drawn.startswith("\rreport:")
    last = drawn.rstrip("\n").split("\r")[-1]
    assert "100%" in last
    assert "4/4" in last
    assert drawn.endswith("\n")


def test_a_total_learned_late_is_shown() -> None:
    screen = Terminal()
    with terminal_progress("roster", "row", screen) as advance:
        advance(3, 8)
        advance(5, 5)
    assert "5/5" in screen.getvalue().split("\r")[-1]
