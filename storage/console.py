"""The console's doors: one-time login links and the browser sessions they open."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.store import SqlStore
from storage.tables import console_logins, console_sessions, staff_langs

LINK_LIFETIME = timedelta(minutes=15)
# A working day: a console opened in the morning lasts until the evening.
SESSION_LIFETIME = timedelta(hours=10)


class LinkState(StrEnum):
    """What a login link is worth now."""

    VALID = "valid"
    SPENT = "spent"
    EXPIRED = "expired"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Session:
    """A signed-in browser: whose it is, and the token its forms must carry."""

    staff_id: str
    csrf: str


@dataclass(frozen=True)
class NewSession:
    """A session just opened: the cookie's value (shown once, never stored) and the session."""

    cookie: str
    session: Session


def digest(secret: str) -> str:
    """Return the SHA-256 a token or session id is stored as."""
    return hashlib.sha256(secret.encode()).hexdigest()


class ConsoleAccess:
    """Issue and spend login links; open, read and end sessions, all in the database."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store

    async def issue_link(self, staff_id: str) -> str:
        """Return a new one-time login token for a staff member; only its hash is stored."""
        token = secrets.token_urlsafe(32)
        now = self.store.clock.now()
        row = {
            "token_hash": digest(token),
            "staff_id": staff_id,
            "created_at": now,
            "expires_at": now + LINK_LIFETIME,
        }
        # A unit of work, not a transaction of its own: /console on Telegram is handled inside
        # the intake's group commit on SQLite, which holds the one writer until the batch ends.
        async with self.store.transaction() as ledger:
            await ledger.conn.execute(insert(console_logins).values(row))
        return token

    async def link_state(self, token: str) -> LinkState:
        """Tell what a login token is worth, without spending it."""
        query = select(console_logins).where(console_logins.c.token_hash == digest(token))
        async with self.store.reading() as conn:
            row = (await conn.execute(query)).first()
        if row is None:
            return LinkState.UNKNOWN
        if row.spent_at is not None:
            return LinkState.SPENT
        if row.expires_at <= self.store.clock.now():
            return LinkState.EXPIRED
        return LinkState.VALID

    async def spend_link(self, token: str) -> NewSession | None:
        """Spend a valid login token and open its session; None when it is not valid."""
        now = self.store.clock.now()
        hashed = digest(token)
        # The condition is checked by the update itself, so of two posts racing on two workers
        # exactly one changes the row (PostgreSQL re-checks it after waiting for the row lock).
        spend = (
            update(console_logins)
            .where(
                console_logins.c.token_hash == hashed,
                console_logins.c.spent_at.is_(None),
                console_logins.c.expires_at > now,
            )
            .values(spent_at=now)
        )
        async with self.store.writing(), self.store.engine.begin() as conn:
            if (await conn.execute(spend)).rowcount != 1:
                return None
            query = select(console_logins.c.staff_id).where(console_logins.c.token_hash == hashed)
            staff_id = (await conn.execute(query)).scalar_one()
            return await _open(conn, staff_id, now)

    async def open_session(self, staff_id: str) -> NewSession:
        """Open a session for a staff member already proven (by WeCom's OAuth)."""
        async with self.store.writing(), self.store.engine.begin() as conn:
            return await _open(conn, staff_id, self.store.clock.now())

    async def session(self, cookie: str) -> Session | None:
        """Return the live session a cookie names; None when unknown, ended or expired."""
        query = select(console_sessions).where(
            console_sessions.c.session_hash == digest(cookie),
            console_sessions.c.ended_at.is_(None),
            console_sessions.c.expires_at > self.store.clock.now(),
        )
        async with self.store.reading() as conn:
            row = (await conn.execute(query)).first()
        return None if row is None else Session(row.staff_id, row.csrf)

    async def end_session(self, cookie: str) -> None:
        """End a session (logout); its cookie opens nothing from now on."""
        end = (
            update(console_sessions)
            .where(
                console_sessions.c.session_hash == digest(cookie),
                console_sessions.c.ended_at.is_(None),
            )
            .values(ended_at=self.store.clock.now())
        )
        async with self.store.writing(), self.store.engine.begin() as conn:
            await conn.execute(end)

    async def purge(self, now: datetime) -> int:
        """Delete links past their expiry and sessions ended or expired; return how many went."""
        # Nothing these rows say is still true: an expired link opens nothing, spent or not,
        # and an ended session's cookie is refused whether or not its row is there.
        links = delete(console_logins).where(console_logins.c.expires_at <= now)
        sessions = delete(console_sessions).where(
            or_(console_sessions.c.ended_at.is_not(None), console_sessions.c.expires_at <= now)
        )
        async with self.store.writing(), self.store.engine.begin() as conn:
            gone = (await conn.execute(links)).rowcount
            return gone + (await conn.execute(sessions)).rowcount

    async def lang_of(self, staff_id: str, configured: str) -> str:
        """Return the language a staff member picked with /lang, else the configured one."""
        query = select(staff_langs.c.lang).where(staff_langs.c.staff_id == staff_id)
        async with self.store.reading() as conn:
            picked = (await conn.execute(query)).scalar()
        return picked or configured


async def _open(conn: AsyncConnection, staff_id: str, now: datetime) -> NewSession:
    cookie = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    row = {
        "session_hash": digest(cookie),
        "staff_id": staff_id,
        "csrf": csrf,
        "created_at": now,
        "expires_at": now + SESSION_LIFETIME,
    }
    await conn.execute(insert(console_sessions).values(row))
    return NewSession(cookie, Session(staff_id, csrf))
