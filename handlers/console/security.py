"""The console's guards: strict headers on every response, its cookies, and CSRF checks."""

from __future__ import annotations

import hmac

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PREFIX = "/console"
SESSION_COOKIE = "retaildesk_console"
# The confirm page's nonce, posted back with the form: a login nobody else can start for you.
LOGIN_COOKIE = "retaildesk_console_login"
OAUTH_COOKIE = "retaildesk_console_oauth"

# Everything comes from this server: the console works on an intranet without internet, and a
# page that runs no inline script cannot be made to run an injected one.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)
HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    # The login URL carries its token: no page may pass it on as a referrer.
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    # Pages hold people's questions and one-time links; no cache keeps them.
    "cache-control": "no-store",
}


class ConsoleHeaders:
    """Add the console's security headers to every response under /console."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; stamp the headers on the answer when it is the console's."""
        path = scope.get("path", "")
        if scope["type"] != "http" or not (path == PREFIX or path.startswith(PREFIX + "/")):
            await self.app(scope, receive, send)
            return

        async def stamped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, stamped)


def same_secret(given: object, expected: str) -> bool:
    """Compare a posted token with the expected one in constant time."""
    return isinstance(given, str) and bool(given) and hmac.compare_digest(given, expected)
