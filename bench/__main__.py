"""Run every benchmark: `python -m bench --smoke` (CI, no thresholds) or the full runs.

python -m bench --smoke                     # each benchmark at small N, one round
python -m bench --full                      # the figures of docs/PERFORMANCE.md: its summary
                                            # tables (bench/summary.py) and the growth plot
python -m bench --full relay escalation     # only some parts (results/<part>.json)
python -m bench --full wecom                # the WeChat relay only
python -m bench --full console              # the supervisor's console page
"""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from bench import escalation, measure, plot, relay, startup, summary, wecom

GROWTH = ["10000", "100000", "1000000"]


def _console() -> Any:
    # Imported on use, as the report: it reads reports/ too.
    return importlib.import_module("bench.console")


def _report() -> Any:
    # Imported on use, so the other parts run even where reports/ cannot be imported.
    return importlib.import_module("bench.report")


SMOKES: dict[str, tuple[Callable[[], Any], Callable[[Any], str]]] = {
    "relay": (lambda: relay.run(smoke=True), relay.render),
    "escalation": (lambda: escalation.run(smoke=True), escalation.render),
    "report": (lambda: _report().run(smoke=True), lambda rows: _report().render(rows)),
    "startup": (lambda: startup.run(smoke=True), startup.render),
    "wecom": (lambda: wecom.run(smoke=True), wecom.render),
    "console": (lambda: _console().run(smoke=True), lambda rows: _console().render(rows)),
}

# Each part runs in a process of its own, so no part's memory or state colours another's.
FULL: dict[str, list[str]] = {
    "relay": ["bench.relay", "--sizes", "300", "3000", "--rounds", "5"],
    "relay_hog": ["bench.relay", "--sizes", "300", "--rounds", "5", "--hog"],
    "relay_growth": ["bench.relay", "--sizes", "300", "--rounds", "3", "--open-tickets", *GROWTH],
    "escalation": ["bench.escalation", "--rounds", "3", "--open-tickets", *GROWTH],
    "report": ["bench.report", "--rounds", "3", "--messages", *GROWTH],
    "startup": ["bench.startup", "--rounds", "3", "--open-tickets", *GROWTH],
    "wecom": ["bench.wecom", "--sizes", "300", "--rounds", "5"],
    "console": ["bench.console", "--rounds", "3"],
}


def smoke() -> None:
    """Run each benchmark once at small N; fail only if one breaks."""
    for name, (go, render) in SMOKES.items():
        with measure.Stopwatch() as watch:
            rows = go()
        print(f"\n## {name} (smoke, {watch.seconds:.0f}s)\n{render(rows)}", flush=True)


def full(parts: list[str]) -> None:
    """Run the figures of record; save each part's results, rewrite the summary and the plot."""
    for name in parts or list(FULL):
        started = time.monotonic()
        subprocess.run([sys.executable, "-m", *FULL[name], "--save", name], check=True)
        print(f"## {name}: {(time.monotonic() - started) / 60:.0f} min", flush=True)
    print(plot.draw(plot.load()))
    print(summary.write())


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--smoke", action="store_true")
    mode.add_argument("--full", nargs="*", choices=list(FULL), metavar="PART")
    args = parser.parse_args()
    if args.smoke:
        smoke()
    else:
        full(args.full)
