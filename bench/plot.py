"""Plot the growth series: each cost against the smallest size, beside the linear line.

python -m bench.plot bench/results/full.json        # writes docs/growth.png
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

OUT = Path(__file__).resolve().parents[1] / "docs" / "growth.png"
RESULTS = Path(__file__).with_name("results")


def load(folder: Path = RESULTS) -> dict[str, Any]:
    """Merge every saved part's figures."""
    figures: dict[str, Any] = {}
    for path in sorted(folder.glob("*.json")):
        saved = json.loads(path.read_text(encoding="utf-8"))
        figures.update({k: v for k, v in saved.items() if k != "machine"})
    return figures


def series(figures: dict[str, Any]) -> dict[str, list[tuple[int, float]]]:
    """Return each growth curve as (size, cost) points."""
    curves: dict[str, list[tuple[int, float]]] = {}
    if "relay_growth" in figures:
        curves["relay: time per question (s/q)"] = [
            (r["open_tickets"], 1 / r["desk"]["per_second"]) for r in figures["relay_growth"]
        ]
    if "escalation" in figures:
        rows = figures["escalation"]
        curves["escalation: sweep (ms)"] = [(r["open_tickets"], r["sweep_ms"]) for r in rows]
        curves["escalation: lag p99 (ms)"] = [(r["open_tickets"], r["lag_p99_ms"]) for r in rows]
        curves["escalation: 1,000 at once (s)"] = [
            (r["open_tickets"], r["at_once_claim_s"]) for r in rows
        ]
    if "report" in figures:
        curves["report: 25 summaries (s)"] = [
            (r["messages"], r["summary_s"]) for r in figures["report"]
        ]
        curves["report floor: bare aggregate (s)"] = [
            (r["messages"], r["floor_s"]) for r in figures["report"]
        ]
    if "startup" in figures:
        rows = figures["startup"]
        curves["start-up: first getUpdates (s)"] = [
            (r["open_tickets"], r["desk"]["first_poll_s"]) for r in rows
        ]
        curves["start-up: RSS (MB)"] = [(r["open_tickets"], r["desk"]["rss_mb"]) for r in rows]
    return curves


def draw(figures: dict[str, Any], out: Path = OUT) -> Path:
    """Draw the growth plot and return its path."""
    curves = series(figures)
    fig, ax = plt.subplots(figsize=(9, 5.5), dpi=110)
    sizes = sorted({size for points in curves.values() for size, _ in points})
    if sizes:
        ax.plot(sizes, [s / sizes[0] for s in sizes], "k--", linewidth=1, label="linear growth")
        ax.plot(sizes, [1.0] * len(sizes), "k:", linewidth=1, label="flat")
    for label, points in curves.items():
        points = sorted(points)
        base = points[0][1]
        ax.plot([s for s, _ in points], [c / base for _, c in points], marker="o", label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("open tickets (report: retailer messages in the week)")
    ax.set_ylabel("cost relative to the smallest size")
    ax.set_title("RetailDesk: cost as the province grows (medians)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    out.parent.mkdir(exist_ok=True)
    fig.savefig(out)
    plt.close(fig)
    return out


if __name__ == "__main__":
    print(draw(load()))
