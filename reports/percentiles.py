"""Median, p90 and max from a few ranked rows, as statistics.quantiles(method="inclusive")."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement

from reports.figures import Latency

Key = tuple[Any, ...]


def wanted_ranks(size: int) -> set[int]:
    """Return the 1-based ranks the median, p90 and max of this many samples read."""
    median, p90 = (size - 1) // 2 + 1, 9 * (size - 1) // 10 + 1
    return {median, median + 1, p90, p90 + 1, size}


def wanted_rank_expressions(size: ColumnElement[int]) -> list[ColumnElement[int]]:
    """Return in SQL the ranks wanted_ranks names; sizes are never negative, so / floors."""
    median = (size - 1) // 2 + 1
    p90 = (size - 1) * 9 // 10 + 1
    return [median, median + 1, p90, p90 + 1, size]


def quantile(ranks: Mapping[int, float], size: int, i: int, q: int) -> float:
    """Return the i-th q-quantile, interpolating between the two closest ranks."""
    j, delta = divmod(i * (size - 1), q)
    low = ranks[j + 1]
    return low if delta == 0 else (low * (q - delta) + ranks[j + 2] * delta) / q


class RankedGroups:
    """Collect the picked rows of each cut and group, then read their latencies."""

    def __init__(self) -> None:
        self._ranks: dict[str, dict[Key, dict[int, float]]] = defaultdict(lambda: defaultdict(dict))
        self._sizes: dict[str, dict[Key, int]] = defaultdict(dict)

    def add(self, cut: str, key: Key, rank: int, size: int, seconds: float) -> None:
        """Keep one sample if its rank is one the figures read."""
        if rank in wanted_ranks(size):
            self._ranks[cut][key][rank] = seconds
            self._sizes[cut][key] = size

    def latency(self, cut: str, key: Key) -> Latency | None:
        """Return a group's latency, None when it had no samples."""
        ranks = self._ranks.get(cut, {}).get(key)
        if not ranks:
            return None
        size = self._sizes[cut][key]
        return Latency(
            count=size,
            median=quantile(ranks, size, 1, 2),
            p90=quantile(ranks, size, 9, 10),
            max=ranks[size],
        )
