"""Keep a chatty retailer from flooding their manager: batch follow-ups, ask to slow down.

The first message of a round reaches the manager at once. Later messages of the same round
reach them at most once per `notify_every`: a text joins the follow-up still waiting in the
outbox, anything else waits for the same moment. Nothing is dropped; only notifications are
grouped. A retailer far over the limit is asked, once per round, to slow down.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from desk.content import Content, ContentKind
from desk.notices import Notice, NoticeKind, Queued

# Text per notification, in UTF-16 units as chat apps count them; the rest of a 4096-unit
# chat message is left for the header with the retailer's name and shop. A channel with a
# smaller limit cuts the rendered text further.
TEXT_BUDGET = 3000
# The same for a media caption, of a 1024-unit limit; headers take up to about 450.
CAPTION_BUDGET = 500
BULLET = "• "


@dataclass(frozen=True)
class FloodPolicy:
    """How often one ticket may notify its manager, and how much chatter is too much."""

    notify_every: timedelta = timedelta(seconds=30)
    slow_down_after: int = 20
    per: timedelta = timedelta(minutes=1)


@dataclass(frozen=True)
class Merge:
    """Append the message to a follow-up still waiting in the outbox."""

    into: Queued
    notice: Notice


@dataclass(frozen=True)
class Hold:
    """Post the notice on its own, not before a moment (None: at once)."""

    until: datetime | None


def units(text: str) -> int:
    """Return the length of a text in UTF-16 code units, the way chat apps measure it."""
    return len(text.encode("utf-16-le")) // 2


def split(text: str, budget: int = TEXT_BUDGET) -> list[str]:
    """Cut a text into parts of at most `budget` UTF-16 units, preferring line breaks."""
    parts: list[str] = []
    while units(text) > budget:
        cut, used = 0, 0
        for index, char in enumerate(text):
            used += units(char)
            if used > budget:
                break
            cut = index + 1
        newline = text.rfind("\n", 0, cut)
        cut = newline + 1 if newline > cut // 2 else cut
        parts.append(text[:cut])
        text = text[cut:]
    return [*parts, text] if text or not parts else parts


@dataclass(frozen=True)
class Part:
    """One notification-sized part of a message, and what of the original goes with it."""

    text: str
    # The first part copies the media and says what it is; the rest are plain text.
    first: bool
    kind: ContentKind
    copy_of: Content | None


def pieces(content: Content) -> list[Part]:
    """Cut a message into notification-sized parts, the media going with the first."""
    return [
        Part(
            text,
            index == 0,
            content.kind if index == 0 else ContentKind.TEXT,
            content if content.is_media and index == 0 else None,
        )
        for index, text in enumerate(parts(content))
    ]


def parts(content: Content) -> list[str]:
    """Cut a message's text into notification-sized parts: a media caption's first, then texts."""
    if not content.is_media:
        return split(content.text)
    # A caption too long for a copy goes on in plain texts after it, so nothing is clipped.
    first, *rest = split(content.text, CAPTION_BUDGET)
    return [first, *split("".join(rest))] if rest else [first]


def plan(latest: Queued | None, notice: Notice, now: datetime, policy: FloodPolicy) -> Merge | Hold:
    """Decide how a follow-up reaches the manager, given the ticket's last notice to them."""
    if latest is None:
        return Hold(None)
    merged = _merged(latest, notice)
    if merged is not None:
        return Merge(latest, merged)
    waiting_followup = latest.untried and latest.notice.kind is NoticeKind.FOLLOWUP
    # Join a batch still waiting; otherwise keep one notification per period.
    until = latest.not_before if waiting_followup else latest.reached_at + policy.notify_every
    return Hold(until if until > now else None)


def _merged(latest: Queued, notice: Notice) -> Notice | None:
    """Return the waiting follow-up with this text appended, or None when it cannot take it."""
    earlier = latest.notice
    if not latest.untried or earlier.kind is not NoticeKind.FOLLOWUP:
        return None
    if any(n.copy_of is not None or n.attachment is not None for n in (earlier, notice)):
        return None
    count = int(earlier.params.get("count", 1))
    text = str(earlier.params.get("text", ""))
    lines = text if count > 1 else BULLET + text
    joined = f"{lines}\n{BULLET}{notice.params.get('text', '')}"
    if units(joined) > TEXT_BUDGET:
        return None
    params = {**earlier.params, "text": joined, "count": count + 1}
    return Notice(
        to=earlier.to,
        address=earlier.address,
        kind=earlier.kind,
        lang=earlier.lang,
        params=params,
        ticket_id=earlier.ticket_id,
        step=earlier.step,
        buttons=earlier.buttons,
    )


def too_chatty(recent: int, already_told: bool, policy: FloodPolicy) -> bool:
    """Say whether to ask the retailer to slow down, given their messages within `per`."""
    return recent > policy.slow_down_after and not already_told


def since(now: datetime, policy: FloodPolicy) -> datetime:
    """Return the start of the window the chatter limit counts messages in."""
    return now - policy.per
