"""Progress bars for long CLI tasks, drawn by tqdm on a terminal and nowhere else."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from tqdm import tqdm

Progress = Callable[[int, int], None]
"""Called with (done, in all) as a task goes on."""


@contextmanager
def terminal_progress(label: str, unit: str, stream: TextIO | None = None) -> Iterator[Progress]:
    """Yield a Progress that draws a bar on a terminal stream; it draws nothing when piped."""
    # disable=None is tqdm's own rule: no bar unless the stream is a terminal, so CI logs and
    # redirected output never get one.
    with tqdm(
        desc=label, unit=unit, file=stream or sys.stderr, disable=None, dynamic_ncols=True
    ) as bar:

        def advance(done: int, total: int) -> None:
            if bar.total != total:
                # A task may learn its size as it goes (a week found empty skips ahead).
                bar.total = total
            bar.update(done - bar.n)

        yield advance
