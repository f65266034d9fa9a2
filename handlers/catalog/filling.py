"""Fill a notice's catalog text: the same for every channel, in each channel's own words."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from desk.content import ContentKind
from desk.notices import Notice, NoticeKind

# A channel's catalog lookup: say(lang, key, **params).
Say = Callable[..., str]
TIME_KEYS = ("due", "eta", "until")


def humanize(seconds: float, lang: str) -> str:
    """Say a duration the way people do: '45 秒', '12 分钟', '1 小时 5 分钟'."""
    total = max(int(seconds), 0)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    zh = lang != "en"
    if hours:
        return f"{hours} 小时 {minutes} 分钟" if zh else f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} 分钟" if zh else f"{minutes} min"
    return f"{secs} 秒" if zh else f"{secs} s"


class Filler:
    """Fill notices' texts in the desk's timezone and each recipient's language."""

    def __init__(self, timezone: ZoneInfo, say: Say) -> None:
        self.timezone = timezone
        self.say = say

    def local_time(self, iso: str | None) -> str:
        """Show a stored moment as local date and time."""
        if not iso:
            return "-"
        local = datetime.fromisoformat(iso).astimezone(self.timezone)
        # Formatted by hand: strftime goes through a time tuple, at every acknowledgement.
        return f"{local.month:02d}-{local.day:02d} {local.hour:02d}:{local.minute:02d}"

    def local_date(self, iso: str | None) -> str:
        """Show a stored local date the way local_time shows its date."""
        return date.fromisoformat(iso).strftime("%m-%d") if iso else "-"

    def text(self, notice: Notice) -> str:
        """Fill the notice's catalog text."""
        say, lang = self.say, notice.lang
        params: dict[str, Any] = dict(notice.params)
        for name in TIME_KEYS:
            if name in params:
                params[name] = self.local_time(params[name])
        if "waited" in params:
            params["waited"] = humanize(params["waited"], lang)
        if "notified" in params:
            params["notified"] = "、".join(params["notified"]) or say(lang, "nobody")
        if "content" in params and params["content"] != ContentKind.TEXT.value:
            label = say(lang, f"content.{params['content']}")
            params["text"] = f"{label} {params.get('text', '')}".strip()
        if "expected" in params:
            params["expected"] = self.local_date(params["expected"])
        key = notice.kind.value
        if notice.kind is NoticeKind.ACK and "covering_for" in params:
            key = "ack.cover"
        if notice.kind is NoticeKind.FOLLOWUP and int(params.get("count", 1)) > 1:
            key = "followup.batch"
        # A notice that says one of several things names its text: "supply_answer.refused.quota".
        if params.get("variant"):
            key = f"{key}.{params['variant']}"
        return str(say(lang, key, **params))
