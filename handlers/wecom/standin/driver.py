"""Post encrypted, signed callbacks to a server the way WeCom does, retries and replays included."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiohttp

from desk.clock import Clock
from handlers.wecom.crypto import CallbackCrypto, Sealed


@dataclass(frozen=True)
class Attempt:
    """One POST of a callback and how the server answered it."""

    status: int | None  # None: no answer in time, or the connection failed
    body: str
    slow: bool

    @property
    def accepted(self) -> bool:
        """Tell whether WeCom would stop retrying: a 200 in time."""
        return self.status == 200 and not self.slow


@dataclass(frozen=True)
class Delivery:
    """Every attempt WeCom made to deliver one callback."""

    sealed: Sealed
    attempts: tuple[Attempt, ...]

    @property
    def accepted(self) -> bool:
        """Tell whether some attempt was accepted."""
        return any(attempt.accepted for attempt in self.attempts)


@dataclass(frozen=True)
class UrlCheck:
    """The URL-verification GET and the server's answer to it."""

    status: int
    body: str
    expected: str

    @property
    def passed(self) -> bool:
        """Tell whether WeCom would accept it: the bare plaintext, no quotes, BOM or newline."""
        return self.status == 200 and self.body == self.expected


def envelope_xml(to_user: str, encrypt: str, agent_id: str) -> bytes:
    """Return the outer POST body WeCom wraps a ciphertext in."""
    return (
        f"<xml><ToUserName><![CDATA[{to_user}]]></ToUserName>"
        f"<Encrypt><![CDATA[{encrypt}]]></Encrypt>"
        f"<AgentID><![CDATA[{agent_id}]]></AgentID></xml>"
    ).encode()


class CallbackDriver:
    """Deliver callbacks to one URL: seal, sign, POST, and retry as WeCom does."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: str,
        crypto: CallbackCrypto,
        clock: Clock,
        *,
        corp_id: str,
        agent_id: int,
        tries: int = 3,
        slow_after: timedelta = timedelta(seconds=5),
        timeout: float = 5.0,
    ) -> None:
        self._session = session
        self._url = url
        self._crypto = crypto
        self._clock = clock
        self._corp_id = corp_id
        self._agent_id = agent_id
        self._tries = tries
        # Slowness is judged on the injected clock (a test's handler moves it to be "slow")
        # and, as a backstop, on a real timeout, so no test waits five real seconds.
        self._slow_after = slow_after
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self.deliveries: list[Delivery] = []

    def _stamp(self) -> tuple[str, str]:
        return str(int(self._clock.now().timestamp())), str(secrets.randbelow(10**10))

    async def check_url(self) -> UrlCheck:
        """Run the URL check WeCom makes when the callback URL is saved."""
        timestamp, nonce = self._stamp()
        plain = str(secrets.randbelow(10**19))
        sealed = self._crypto.seal(plain.encode(), timestamp, nonce)
        params = {
            "msg_signature": sealed.msg_signature,
            "timestamp": timestamp,
            "nonce": nonce,
            "echostr": sealed.encrypt,
        }
        async with self._session.get(self._url, params=params, timeout=self._timeout) as answer:
            return UrlCheck(answer.status, await answer.text(), plain)

    def seal(self, inner_xml: bytes) -> Sealed:
        """Encrypt and sign a message now, so it can be posted (and replayed) later."""
        timestamp, nonce = self._stamp()
        return self._crypto.seal(inner_xml, timestamp, nonce)

    async def post(self, inner_xml: bytes, *, copies: int = 1) -> Delivery:
        """Deliver a message; copies > 1 replays the very same request, as WeCom's retries do."""
        sealed = self.seal(inner_xml)
        delivery = await self.post_sealed(sealed)
        for _ in range(copies - 1):
            delivery = await self.post_sealed(sealed)
        return delivery

    async def post_sealed(self, sealed: Sealed) -> Delivery:
        """POST a sealed message until it is accepted or the tries are spent."""
        body = envelope_xml(self._corp_id, sealed.encrypt, str(self._agent_id))
        params = {
            "msg_signature": sealed.msg_signature,
            "timestamp": sealed.timestamp,
            "nonce": sealed.nonce,
        }
        attempts: list[Attempt] = []
        for _ in range(self._tries):
            attempt = await self._attempt(params, body)
            attempts.append(attempt)
            if attempt.accepted:
                break
        delivery = Delivery(sealed, tuple(attempts))
        self.deliveries.append(delivery)
        return delivery

    async def _attempt(self, params: dict[str, str], body: bytes) -> Attempt:
        started: datetime = self._clock.now()
        try:
            async with self._session.post(
                self._url,
                params=params,
                data=body,
                headers={"Content-Type": "text/xml"},
                timeout=self._timeout,
            ) as answer:
                text = await answer.text()
                status: int | None = answer.status
        except (aiohttp.ClientError, TimeoutError):
            return Attempt(None, "", slow=True)
        return Attempt(status, text, slow=self._clock.now() - started > self._slow_after)
