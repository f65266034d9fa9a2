"""Prometheus figures of one running app, on a registry of its own.

Counters of what this process did (updates received, sends by result) live in memory. What the
database knows (the outbox backlog, escalations fired by step, first-response latency) is read at
scrape time, so every worker reports the same database-wide figures: aggregate those with max(),
not sum().
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from prometheus_client import CollectorRegistry, Counter, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError

from storage.store import SqlStore
from storage.vitals import Vitals, read_vitals

CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4


class Metrics:
    """Every figure /metrics shows; nothing is global, so several apps can share a process."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.updates_received = Counter(
            "retaildesk_updates_received",
            "Updates this worker took in and stored (redeliveries included).",
            registry=self.registry,
        )
        self.updates_rejected = Counter(
            "retaildesk_updates_rejected",
            "Webhook posts refused: wrong secret, too large, too slow, unreadable, not stored.",
            ["reason"],
            registry=self.registry,
        )
        self.sends = Counter(
            "retaildesk_sends",
            "Outbox deliveries this worker attempted, by result.",
            ["result"],
            registry=self.registry,
        )
        # Known labels start at zero, so a rate() over them works from the first scrape.
        for reason in ("secret", "too_large", "slow", "unreadable", "storage"):
            self.updates_rejected.labels(reason=reason)
        # Children kept at hand: labels() costs several microseconds, and every send counts.
        self._sends_by = {
            result: self.sends.labels(result=result)
            for result in ("sent", "retry", "unreachable", "failed")
        }
        self.desk = DeskFigures()
        self.registry.register(self.desk)

    def received(self) -> None:
        """Count one update taken in and stored."""
        self.updates_received.inc()

    def rejected(self, reason: str) -> None:
        """Count one webhook post refused, by reason."""
        self.updates_rejected.labels(reason=reason).inc()

    def sent(self, result: str) -> None:
        """Count one delivery attempt with its result (sent, retry, unreachable, failed)."""
        child = self._sends_by.get(result)
        if child is None:
            child = self._sends_by[result] = self.sends.labels(result=result)
        child.inc()

    async def render(self, store: SqlStore) -> bytes:
        """Read the database figures, then render everything in the Prometheus text format."""
        try:
            async with store.reading() as conn:
                self.desk.vitals = await read_vitals(conn)
        except (SQLAlchemyError, OSError):
            # This worker's own counters still tell something; the database figures are left out.
            self.desk.vitals = None
        return generate_latest(self.registry)


class DeskFigures(Collector):
    """Expose the last database reading as metric families."""

    def __init__(self) -> None:
        self.vitals: Vitals | None = None

    def describe(self) -> Iterable[Metric]:
        """Name the families without reading anything."""
        return list(self._families(None))

    def collect(self) -> Iterable[Metric]:
        """Return the families with the last reading."""
        return list(self._families(self.vitals))

    def _families(self, vitals: Vitals | None) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "retaildesk_database_up", "1 when the last scrape could read the database."
        )
        up.add_metric([], 0 if vitals is None else 1)
        yield up
        backlog = GaugeMetricFamily(
            "retaildesk_outbox_backlog", "Outbox rows not yet delivered, in the whole desk."
        )
        fired = CounterMetricFamily(
            "retaildesk_escalations_fired",
            "Escalation steps fired, by step (1 = first), in the whole desk.",
            labels=["step"],
        )
        set_aside = GaugeMetricFamily(
            "retaildesk_set_aside",
            "Updates parked as unreadable, outbox rows failed, and tickets or ratings the ladder"
            " could not process, in the whole desk; each was set aside so the rest went on.",
            labels=["what"],
        )
        if vitals is None:
            yield from (backlog, fired, set_aside)
            yield HistogramMetricFamily(
                "retaildesk_first_response_seconds", "Time to first response."
            )
            return
        backlog.add_metric([], vitals.backlog)
        for step, count in sorted(vitals.escalations.items()):
            fired.add_metric([str(step + 1)], count)
        troubles = vitals.troubles
        set_aside.add_metric(["update"], troubles.parked_updates)
        set_aside.add_metric(["outbox"], troubles.failed_sends)
        set_aside.add_metric(["escalation"], troubles.stuck_escalations)
        yield from (backlog, fired, set_aside)
        buckets = [(_le(bound), count) for bound, count in vitals.latency_buckets]
        yield HistogramMetricFamily(
            "retaildesk_first_response_seconds",
            "Time from a question to its first answer, per ticket, in the whole desk.",
            buckets=[*buckets, ("+Inf", vitals.latency_count)],
            sum_value=vitals.latency_sum,
        )


def _le(bound: float) -> str:
    return str(int(bound)) if bound == int(bound) else str(bound)
