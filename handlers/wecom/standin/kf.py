"""Keep the stand-in's 微信客服 accounts: the sync log, cursors, sessions and the reply window."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from desk.clock import Clock
from handlers.wecom.standin.answers import (
    INVALID_PARAMETER,
    INVALID_SYNC_TOKEN,
    JSON,
    RefusedError,
    ok,
)

LOG_KEPT = timedelta(days=3)
SYNC_TOKEN_LIFETIME = timedelta(minutes=10)
WELCOME_CODE_LIFETIME = timedelta(seconds=20)
REPLY_WINDOW = timedelta(hours=48)
REPLIES_PER_WINDOW = 5
MAX_LIMIT = 1000
MAX_TEXT_BYTES = 2048
ORIGIN_CUSTOMER, ORIGIN_EVENT = 3, 4


@dataclass(frozen=True)
class LogItem:
    """One item of an account's sync log, with the order it was written in."""

    seq: int
    at: datetime
    item: JSON


@dataclass(frozen=True)
class KfDelivery:
    """A message the API sent to a customer (sync_msg never returns these)."""

    at: datetime
    external_userid: str
    msgid: str
    msgtype: str
    body: JSON
    on_event: bool = False


@dataclass
class Session:
    """One customer's session with one account: who holds it and their reply window."""

    state: int = 0
    servicer_userid: str | None = None
    last_customer_at: datetime | None = None
    sent_since: int = 0


@dataclass
class Account:
    """One 微信客服 account."""

    open_kfid: str
    log: list[LogItem] = field(default_factory=list)
    sessions: dict[str, Session] = field(default_factory=dict)
    msgids: set[str] = field(default_factory=set)
    sent: list[KfDelivery] = field(default_factory=list)
    last_tokenless_sync: datetime | None = None


class Kf:
    """Answer kf/sync_msg, kf/send_msg, kf/send_msg_on_event and kf/service_state/get."""

    def __init__(self, clock: Clock, *, open_kfids: set[str], tokenless_gap: timedelta) -> None:
        self._clock = clock
        self._tokenless_gap = tokenless_gap
        self.accounts = {kfid: Account(kfid) for kfid in open_kfids}
        self._seq = 0
        self._cursors: dict[str, tuple[str, int]] = {}
        self._sync_tokens: dict[str, tuple[str, datetime]] = {}
        self._welcome_codes: dict[str, tuple[str, str, datetime]] = {}
        #: The scene each link handed out by add_contact_way carries, by its enc_scene.
        self.scenes: dict[str, str] = {}

    def _account(self, open_kfid: object) -> Account:
        account = self.accounts.get(str(open_kfid))
        if account is None:
            raise RefusedError(INVALID_PARAMETER, "open_kfid")
        return account

    def _append(self, account: Account, item: JSON) -> str:
        self._seq += 1
        msgid = secrets.token_hex(16)
        now = self._clock.now()
        account.log.append(LogItem(self._seq, now, {"msgid": msgid, **item}))
        return msgid

    def sync_token(self, open_kfid: str) -> str:
        """Issue the token a kf_msg_or_event callback carries, valid for ten minutes."""
        token = "ENC" + secrets.token_urlsafe(32)
        self._sync_tokens[token] = (open_kfid, self._clock.now() + SYNC_TOKEN_LIFETIME)
        return token

    def customer_writes(
        self, open_kfid: str, external_userid: str, msgtype: str, body: JSON
    ) -> str:
        """Log a customer's message; it reopens their window and resets the five-message quota."""
        account = self._account(open_kfid)
        session = account.sessions.setdefault(external_userid, Session())
        if session.state == 4:
            session.state = 0  # an ended session starts afresh when the customer writes
        session.last_customer_at = self._clock.now()
        session.sent_since = 0
        item = {
            "open_kfid": open_kfid,
            "external_userid": external_userid,
            "send_time": int(self._clock.now().timestamp()),
            "origin": ORIGIN_CUSTOMER,
            "msgtype": msgtype,
            msgtype: body,
        }
        return self._append(account, item)

    def log_event(self, open_kfid: str, event: JSON) -> str:
        """Log an event item; like WeCom's, it carries open_kfid only inside the event."""
        account = self._account(open_kfid)
        item = {
            "send_time": int(self._clock.now().timestamp()),
            "origin": ORIGIN_EVENT,
            "msgtype": "event",
            "event": {"open_kfid": open_kfid, **event},
        }
        return self._append(account, item)

    def customer_enters(self, open_kfid: str, external_userid: str, scene_param: str) -> str:
        """Log an enter_session event and return its welcome_code."""
        account = self._account(open_kfid)
        account.sessions.setdefault(external_userid, Session())
        code = secrets.token_urlsafe(24)
        expires = self._clock.now() + WELCOME_CODE_LIFETIME
        self._welcome_codes[code] = (open_kfid, external_userid, expires)
        event = {
            "event_type": "enter_session",
            "external_userid": external_userid,
            "scene": "retaildesk",
            "scene_param": scene_param,
            "welcome_code": code,
        }
        self.log_event(open_kfid, event)
        return code

    def set_state(
        self, open_kfid: str, external_userid: str, state: int, servicer: str = ""
    ) -> None:
        """Hand a session to someone (3 is a human 接待人员, which locks the API out)."""
        session = self._account(open_kfid).sessions.setdefault(external_userid, Session())
        session.state = state
        session.servicer_userid = servicer or None

    def _start(self, account: Account, cursor: object) -> int:
        if not cursor:
            return 0
        found = self._cursors.get(str(cursor))
        if found is None or found[0] != account.open_kfid:
            raise RefusedError(INVALID_PARAMETER, "cursor")
        return found[1]

    def _admit(self, account: Account, token: object) -> None:
        now = self._clock.now()
        if token:
            found = self._sync_tokens.get(str(token))
            if found is None or found[0] != account.open_kfid or found[1] <= now:
                raise RefusedError(INVALID_SYNC_TOKEN)
            return
        # Without a callback's token WeCom throttles sync_msg hard; here, one call per gap.
        last = account.last_tokenless_sync
        if last is not None and now - last < self._tokenless_gap:
            raise RefusedError(45009, "sync_msg without token")
        account.last_tokenless_sync = now

    def sync(self, request: JSON) -> JSON:
        """Answer kf/sync_msg: the items after the cursor still kept, up to limit."""
        account = self._account(request.get("open_kfid"))
        limit = request.get("limit", MAX_LIMIT)
        if not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
            raise RefusedError(INVALID_PARAMETER, "limit")
        start = self._start(account, request.get("cursor"))
        self._admit(account, request.get("token"))
        oldest = self._clock.now() - LOG_KEPT
        waiting = [e for e in account.log if e.seq > start and e.at >= oldest]
        page = waiting[:limit]
        end = page[-1].seq if page else max(start, self._seq_before(account, oldest))
        cursor = secrets.token_urlsafe(12)
        self._cursors[cursor] = (account.open_kfid, end)
        return ok(
            next_cursor=cursor,
            has_more=int(len(waiting) > limit),
            msg_list=[e.item for e in page],
        )

    @staticmethod
    def _seq_before(account: Account, oldest: datetime) -> int:
        expired = [e.seq for e in account.log if e.at < oldest]
        return expired[-1] if expired else 0

    def _check_window(self, account: Account, external_userid: str) -> Session:
        session = account.sessions.get(external_userid)
        if session is None:
            raise RefusedError(95001, "the customer has not written")
        if session.state not in {0, 1}:
            raise RefusedError(95018)
        last = session.last_customer_at
        if last is None or self._clock.now() - last > REPLY_WINDOW:
            raise RefusedError(95001)
        if session.sent_since >= REPLIES_PER_WINDOW:
            raise RefusedError(95001)
        return session

    def _msgid(self, account: Account, request: JSON) -> str:
        msgid = str(request.get("msgid") or secrets.token_hex(16))
        if len(msgid.encode()) > 32:
            raise RefusedError(INVALID_PARAMETER, "msgid longer than 32 bytes")
        if msgid in account.msgids:
            raise RefusedError(INVALID_PARAMETER, "msgid duplicated")
        return msgid

    @staticmethod
    def _body(request: JSON) -> tuple[str, JSON]:
        msgtype = str(request.get("msgtype", ""))
        body = request.get(msgtype)
        if not isinstance(body, dict):
            raise RefusedError(47001, f"no {msgtype!r} body")
        content: Any = body.get("content", "")
        if msgtype == "text" and len(str(content).encode()) > MAX_TEXT_BYTES:
            raise RefusedError(45002)
        return msgtype, body

    def send(self, request: JSON) -> JSON:
        """Answer kf/send_msg under the session-state, 48-hour and five-message rules."""
        account = self._account(request.get("open_kfid"))
        external_userid = str(request.get("touser", ""))
        msgtype, body = self._body(request)
        session = self._check_window(account, external_userid)
        msgid = self._msgid(account, request)
        account.msgids.add(msgid)
        session.sent_since += 1
        account.sent.append(KfDelivery(self._clock.now(), external_userid, msgid, msgtype, body))
        return ok(msgid=msgid)

    def send_on_event(self, request: JSON) -> JSON:
        """Answer kf/send_msg_on_event: a welcome_code works once, within 20 seconds."""
        found = self._welcome_codes.pop(str(request.get("code", "")), None)
        if found is None or found[2] <= self._clock.now():
            raise RefusedError(INVALID_PARAMETER, "welcome_code")
        open_kfid, external_userid, _ = found
        account = self._account(open_kfid)
        msgtype, body = self._body(request)
        msgid = self._msgid(account, request)
        account.msgids.add(msgid)
        account.sent.append(
            KfDelivery(self._clock.now(), external_userid, msgid, msgtype, body, on_event=True)
        )
        return ok(msgid=msgid)

    def add_contact_way(self, request: JSON) -> JSON:
        """Answer kf/add_contact_way: the account's link for a scene (at most 32 bytes)."""
        account = self._account(request.get("open_kfid"))
        scene = str(request.get("scene", ""))
        if len(scene.encode()) > 32 or not all(
            c.isascii() and (c.isalnum() or c in "_-") for c in scene
        ):
            raise RefusedError(INVALID_PARAMETER, "scene")
        # WeCom's link names the account, with the scene sealed in enc_scene.
        sealed = secrets.token_urlsafe(12)
        self.scenes[sealed] = scene
        return ok(url=f"https://work.weixin.qq.com/kf/kfc{account.open_kfid}?enc_scene={sealed}")

    def service_state(self, request: JSON) -> JSON:
        """Answer kf/service_state/get."""
        account = self._account(request.get("open_kfid"))
        session = account.sessions.get(str(request.get("external_userid", "")), Session())
        return ok(service_state=session.state, servicer_userid=session.servicer_userid or "")
