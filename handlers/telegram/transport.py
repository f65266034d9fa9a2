"""Carry Bot API calls over aiohttp, behind python-telegram-bot's BaseRequest seam.

PTB's default transport (httpx) costs about four times the CPU of aiohttp per call on this
kind of machine, and a question costs two calls. The interface and the errors raised are
PTB's own, so the bot, its rate limiter and its error handling do not change.
"""

from __future__ import annotations

import json

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from handlers.telegram.tokens import hide_token


class AiohttpRequest(BaseRequest):
    """Send Bot API requests through one pooled aiohttp session."""

    __slots__ = (
        "_connect_timeout",
        "_media_write_timeout",
        "_pool_size",
        "_read_timeout",
        "_session",
    )

    def __init__(
        self,
        connection_pool_size: int = 32,
        *,
        connect_timeout: float = 5.0,
        read_timeout: float = 10.0,
        media_write_timeout: float = 20.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._media_write_timeout = media_write_timeout
        # The session binds to the running loop, so it is made in initialize(), not here.
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        """Return the default read timeout in seconds."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Open the pooled session."""
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size)
            self._session = aiohttp.ClientSession(connector=connector)

    async def shutdown(self) -> None:
        """Close the session and its connections."""
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Make one request; return the status code and the body."""
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized")
        files = request_data is not None and request_data.contains_files
        # The read timeout bounds the whole exchange rather than each read: a Bot API answer is
        # one small body, and aiohttp re-arms a per-read timer on every chunk it receives.
        timeout = aiohttp.ClientTimeout(
            total=_given(read_timeout, self._media_write_timeout if files else self._read_timeout),
            connect=_given(pool_timeout, None),
            sock_connect=_given(connect_timeout, self._connect_timeout),
        )
        body = _body(request_data)
        headers = {"User-Agent": self.USER_AGENT}
        if isinstance(body, bytes):
            headers["Content-Type"] = "application/json"
        try:
            async with self._session.request(
                method, url, data=body, headers=headers, timeout=timeout
            ) as response:
                return response.status, await response.read()
        except TimeoutError:
            # Not chained: aiohttp's errors carry the URL, and the URL carries the token, into
            # every traceback that shows the cause.
            raise TimedOut from None
        except aiohttp.ClientError as error:
            # The class name says what went wrong when the message is empty.
            raise NetworkError(hide_token(f"aiohttp.{type(error).__name__}: {error}")) from None


def _given(value: ODVInput[float], default: float | None) -> float | None:
    """Return a per-call timeout, or the default where the caller gave none."""
    return default if isinstance(value, DefaultValue) else value


def _body(request_data: RequestData | None) -> bytes | aiohttp.FormData | None:
    """Encode the parameters as JSON, or as multipart when files go with them."""
    if request_data is None:
        return None
    if not request_data.contains_files:
        # JSON, which the Bot API takes as readily as a form: C's encoder does in microseconds
        # what urlencode, byte by byte in Python, takes a tenth of a millisecond for in Chinese.
        return json.dumps(request_data.parameters, ensure_ascii=False).encode()
    # Unquoted field values keep UTF-8 file names (周报.csv) as they are, as httpx sends them.
    form = aiohttp.FormData(request_data.json_parameters, quote_fields=False)
    for name, part in (request_data.multipart_data or {}).items():
        filename, content, mime = part[0], part[1], part[2] if len(part) > 2 else None
        form.add_field(name, content, filename=filename, content_type=mime)
    return form
