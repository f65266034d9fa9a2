"""The console bench's page seam: a viewer's page fetched from an ASGI app with their cookies."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from bench.console import asgi_pages
from reports.scope import Scope

S1 = Scope("s1", frozenset({"m1"}), complaints=True)
S2 = Scope("s2", frozenset({"m2"}), complaints=True)


async def page(request: Request) -> PlainTextResponse:
    viewer = request.cookies.get("session")
    if viewer is None:
        return PlainTextResponse("sign in", status_code=403)
    return PlainTextResponse(f"console of {viewer}")


APP = Starlette(routes=[Route("/console", page)])


async def test_each_viewer_gets_their_own_page() -> None:
    build = asgi_pages(APP, {"s1": {"session": "s1"}, "s2": {"session": "s2"}})

    assert await build(None, S1) == "console of s1"  # type: ignore[arg-type]
    assert await build(None, S2) == "console of s2"  # type: ignore[arg-type]


async def test_a_refused_page_fails_the_bench() -> None:
    build = asgi_pages(APP, {"s1": {}})

    with pytest.raises(httpx.HTTPStatusError):
        await build(None, S1)  # type: ignore[arg-type]
