"""Pull a kf account's new messages with kf/sync_msg into the retailers' inbox, page by page."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from desk.clock import Clock
from handlers.wecom import update_ids
from handlers.wecom.api import JSON, WecomApi
from storage.inbox import Arrival
from storage.kf import KfLog, Window

log = logging.getLogger(__name__)

ORIGIN_CUSTOMER = 3
# At the very first sync WeCom offers three days of history. Only what could have been the
# reason for the callback being answered (a sync token lives ten minutes) is taken in.
FIRST_SYNC_LOOKBACK = timedelta(minutes=10)


def external_userid_of(item: JSON) -> str | None:
    """Return the customer a synced item is about (events carry it inside the event)."""
    found = item.get("external_userid") or (item.get("event") or {}).get("external_userid")
    return str(found) if found else None


def arrival_of(item: JSON) -> Arrival | None:
    """Return the inbox row of one synced item, keyed on its msgid."""
    msgid = item.get("msgid")
    if not isinstance(msgid, str) or not msgid:
        return None
    payload = json.dumps({"kind": "kf", "item": item}, ensure_ascii=False)
    return Arrival(update_ids.kf_message(msgid), external_userid_of(item), payload)


def window_of(item: JSON, open_kfid: str) -> Window | None:
    """Return the reply window a customer's own message opens."""
    customer = item.get("external_userid")
    sent = item.get("send_time")
    if item.get("origin") != ORIGIN_CUSTOMER or not customer or not isinstance(sent, int):
        return None
    return Window(str(customer), str(item.get("open_kfid") or open_kfid), _at(sent))


def _at(send_time: int) -> datetime:
    return datetime.fromtimestamp(send_time, UTC)


class KfSync:
    """Run kf/sync_msg for one account from its stored cursor to the end of its log."""

    def __init__(
        self, api: WecomApi, log_: KfLog, open_kfid: str, clock: Clock, *, page_size: int = 1000
    ) -> None:
        self.api = api
        self.page_size = page_size
        self.log = log_
        self.open_kfid = open_kfid
        self.clock = clock

    async def run(self, token: str | None, *, done: Sequence[int] = ()) -> int:
        """Sync every page; the last page also settles `done`. Return how many items were new."""
        cursor = await self.log.cursor(self.open_kfid)
        oldest = None if cursor is not None else self.clock.now() - FIRST_SYNC_LOOKBACK
        new = 0
        while True:
            page = await self.api.kf_sync(
                self.open_kfid, cursor=cursor, token=token or None, limit=self.page_size
            )
            items = [i for i in page.items if oldest is None or _recent(i, oldest)]
            arrivals = [a for a in map(arrival_of, items) if a is not None]
            windows = [w for i in items if (w := window_of(i, self.open_kfid)) is not None]
            last = not page.has_more
            new += await self.log.take(
                self.open_kfid,
                page.next_cursor,
                arrivals,
                windows,
                done=done if last else (),
            )
            cursor = page.next_cursor
            if last:
                break
        log.info("kf sync of %s: %d new item(s)", self.open_kfid, new)
        return new


def _recent(item: JSON, oldest: datetime) -> bool:
    sent = item.get("send_time")
    return isinstance(sent, int) and _at(sent) >= oldest
