"""Keep the stand-in corp's state: access tokens, members, app messages, media and OAuth codes."""

from __future__ import annotations

import json
import secrets
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from desk.clock import Clock
from handlers.wecom.standin.answers import JSON, RefusedError, ok

MEDIA_LIFETIME = timedelta(days=3)
CODE_LIFETIME = timedelta(minutes=5)


class Tokens:
    """Issue access_tokens as gettoken does: the same one while valid, a new one after."""

    def __init__(self, clock: Clock, *, corp_id: str, secret: str, lifetime: int = 7200) -> None:
        self._clock = clock
        self._corp_id = corp_id
        self._secret = secret
        self.lifetime = lifetime
        self.gettoken_calls = 0
        #: Answer gettoken with this errcode (40001 a bad secret, 60020 an untrusted IP).
        self.refuse_with: int | None = None
        self._current: str | None = None
        self._expires: dict[str, datetime] = {}
        self._revoked: set[str] = set()

    def issue(self, corp_id: str, secret: str) -> JSON:
        """Answer gettoken."""
        self.gettoken_calls += 1
        if self.refuse_with is not None:
            raise RefusedError(self.refuse_with)
        if corp_id != self._corp_id or secret != self._secret:
            raise RefusedError(40001)
        now = self._clock.now()
        token = self._current
        if token is None or token in self._revoked or self._expires[token] <= now:
            token = secrets.token_urlsafe(48)
            self._expires[token] = now + timedelta(seconds=self.lifetime)
            self._current = token
        left = int((self._expires[token] - now).total_seconds())
        return ok(access_token=token, expires_in=left)

    def check(self, token: str | None) -> None:
        """Raise the errcode WeCom gives for a missing, unknown, revoked or expired token."""
        if not token:
            raise RefusedError(41001)
        if token not in self._expires or token in self._revoked:
            raise RefusedError(40014)
        if self._expires[token] <= self._clock.now():
            raise RefusedError(42001)

    def revoke(self) -> None:
        """Invalidate the current token early, as WeCom may; the next use gets 40014."""
        if self._current is not None:
            self._revoked.add(self._current)

    def expire(self) -> None:
        """Make the current token run out now; the next use gets 42001."""
        if self._current is not None:
            self._expires[self._current] = self._clock.now()


@dataclass(frozen=True)
class AppDelivery:
    """A message the app delivered to one member."""

    at: datetime
    userid: str
    msgtype: str
    body: JSON


@dataclass
class _Member:
    sent: deque[datetime] = field(default_factory=deque)
    recent: dict[str, datetime] = field(default_factory=dict)  # duplicate check


class AppMessages:
    """Deliver message/send to members, with invaliduser, 81013 and the silent rate drops."""

    PER_MINUTE = 30
    PER_HOUR = 1000

    def __init__(self, clock: Clock, *, agent_id: int, members: set[str]) -> None:
        self._clock = clock
        self._agent_id = agent_id
        self._members: dict[str, _Member] = {userid: _Member() for userid in members}
        self.delivered: list[AppDelivery] = []
        #: Messages WeCom accepted with errcode 0 and then silently dropped (doc 90236).
        self.dropped: list[AppDelivery] = []

    def add_member(self, userid: str) -> None:
        """Make a userid a member the app can reach."""
        self._members.setdefault(userid, _Member())

    def to(self, userid: str) -> list[AppDelivery]:
        """Return what a member has received, oldest first."""
        return [d for d in self.delivered if d.userid == userid]

    def send(self, request: JSON) -> JSON:
        """Answer message/send."""
        if request.get("agentid") != self._agent_id:
            raise RefusedError(40056)
        msgtype = str(request.get("msgtype", ""))
        body = request.get(msgtype)
        if not isinstance(body, dict):
            raise RefusedError(47001, f"no {msgtype!r} body")
        users = [u for u in str(request.get("touser", "")).split("|") if u]
        invalid = [u for u in users if u not in self._members]
        valid = [u for u in users if u in self._members]
        if not valid:
            raise RefusedError(81013)
        interval = None
        if request.get("enable_duplicate_check"):
            interval = timedelta(seconds=int(request.get("duplicate_check_interval", 1800)))
        for userid in valid:
            self._deliver(userid, msgtype, body, interval)
        answer = ok(msgid=secrets.token_urlsafe(24))
        if invalid:
            answer["invaliduser"] = "|".join(invalid)
        return answer

    def _deliver(self, userid: str, msgtype: str, body: JSON, interval: timedelta | None) -> None:
        now = self._clock.now()
        member = self._members[userid]
        key = json.dumps([msgtype, body], sort_keys=True, ensure_ascii=False)
        if interval is not None:
            last = member.recent.get(key)
            if last is not None and now - last < interval:
                return  # WeCom keeps a repeat within the interval from the member
            member.recent[key] = now
        while member.sent and now - member.sent[0] >= timedelta(hours=1):
            member.sent.popleft()
        last_minute = sum(1 for at in member.sent if now - at < timedelta(minutes=1))
        delivery = AppDelivery(now, userid, msgtype, body)
        if last_minute >= self.PER_MINUTE or len(member.sent) >= self.PER_HOUR:
            self.dropped.append(delivery)
            return
        member.sent.append(now)
        self.delivered.append(delivery)


@dataclass(frozen=True)
class StoredMedia:
    """A temporary media file kept for three days."""

    media_id: str
    kind: str
    content: bytes
    content_type: str
    filename: str
    created: datetime


class MediaStore:
    """Keep uploaded media for three days and hand it back by media_id."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._files: dict[str, StoredMedia] = {}

    def put(self, kind: str, content: bytes, content_type: str, filename: str) -> StoredMedia:
        """Store a file, as an upload or as media a customer or member sent."""
        if kind not in {"image", "voice", "video", "file"}:
            raise RefusedError(40058 if kind else 47001, f"media type {kind!r}")
        media = StoredMedia(
            media_id=secrets.token_urlsafe(48),
            kind=kind,
            content=content,
            content_type=content_type,
            filename=filename,
            created=self._clock.now(),
        )
        self._files[media.media_id] = media
        return media

    def get(self, media_id: str) -> StoredMedia:
        """Return a stored file, or refuse an unknown or expired media_id."""
        media = self._files.get(media_id)
        if media is None or self._clock.now() - media.created >= MEDIA_LIFETIME:
            raise RefusedError(40007)
        return media


@dataclass(frozen=True)
class _Code:
    identity: dict[str, Any]
    expires: datetime


class OAuthCodes:
    """Issue single-use OAuth codes and tell whose they are (auth/getuserinfo)."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._codes: dict[str, _Code] = {}

    def issue(self, *, userid: str | None = None, external_userid: str | None = None) -> str:
        """Return a code for a member, or for someone outside the corp."""
        identity: dict[str, Any] = {"userid": userid} if userid else {}
        if external_userid:
            identity = {"openid": f"o{secrets.token_hex(8)}", "external_userid": external_userid}
        code = secrets.token_urlsafe(24)
        self._codes[code] = _Code(identity, self._clock.now() + CODE_LIFETIME)
        return code

    def redeem(self, code: str) -> JSON:
        """Answer auth/getuserinfo; a code works once and for five minutes."""
        found = self._codes.pop(code, None)
        if found is None or found.expires <= self._clock.now():
            raise RefusedError(40029)
        return ok(**found.identity)
