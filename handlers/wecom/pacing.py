"""Keep app messages to each member under WeCom's limits, which drop the excess silently."""

from __future__ import annotations

from collections import defaultdict, deque
from datetime import datetime, timedelta

# WeCom allows 30 a minute and 1000 an hour per member and drops the rest with errcode 0
# (doc 90236); a little below, so that our clock and theirs may differ a bit.
PER_MINUTE = 28
PER_HOUR = 960
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)


class Pacing:
    """Count sends per member in sliding windows and say how long to wait before the next."""

    def __init__(self, per_minute: int = PER_MINUTE, per_hour: int = PER_HOUR) -> None:
        self.per_minute = per_minute
        self.per_hour = per_hour
        self._sent: defaultdict[str, deque[datetime]] = defaultdict(deque)

    def wait(self, member: str, now: datetime, count: int = 1) -> float:
        """Return the seconds until `count` more messages to a member fit both limits."""
        sent = self._sent[member]
        while sent and now - sent[0] >= HOUR:
            sent.popleft()
        recent = [at for at in sent if now - at < MINUTE]
        waits = [0.0]
        if len(recent) + count > self.per_minute:
            oldest = recent[len(recent) + count - self.per_minute - 1]
            waits.append((oldest + MINUTE - now).total_seconds())
        if len(sent) + count > self.per_hour:
            oldest = sent[len(sent) + count - self.per_hour - 1]
            waits.append((oldest + HOUR - now).total_seconds())
        return max(waits)

    def sent(self, member: str, at: datetime) -> None:
        """Count one message sent to a member."""
        self._sent[member].append(at)
