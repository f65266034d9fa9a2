"""The web server's limits on a real socket: slow headers are cut off, big headers refused."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.listeners import MAX_CONNECTIONS, MAX_HEADER_BYTES, server_config


async def hello(request: Request) -> Response:
    return Response(b"hello")


@pytest.fixture
async def port() -> AsyncIterator[int]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(
        server_config(Starlette(routes=[Route("/", hello)]), header_seconds=0.2)
    )
    serving = asyncio.create_task(server.serve([sock]))
    await until_started(server)
    yield sock.getsockname()[1]
    server.should_exit = True
    await serving


async def until_started(server: uvicorn.Server) -> None:
    for _ in range(500):
        if server.started:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("uvicorn did not start")


async def exchange(port: int, sent: bytes) -> bytes:
    """Send bytes and return everything the server answers until it closes the connection."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(sent)
    try:
        return await asyncio.wait_for(reader.read(), 5)
    finally:
        writer.close()


async def test_a_whole_request_is_answered(port: int) -> None:
    answer = await exchange(port, b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 200") and answer.endswith(b"hello")


async def test_headers_that_never_finish_are_cut_off(port: int) -> None:
    assert await exchange(port, b"POST /telegram HTTP/1.1\r\nHost: x\r\n") == b""


async def test_a_connection_that_says_nothing_is_cut_off(port: int) -> None:
    assert await exchange(port, b"") == b""


async def test_headers_growing_past_the_limit_are_refused(port: int) -> None:
    # Still unfinished at the limit: refused at once, before the header timer.
    big = b"X-Filler: " + b"a" * MAX_HEADER_BYTES
    answer = await exchange(port, b"GET / HTTP/1.1\r\nHost: x\r\n" + big)
    assert answer.startswith(b"HTTP/1.1 400")


def test_connections_are_capped_and_idle_ones_closed() -> None:
    config = server_config(Starlette())
    assert config.limit_concurrency == MAX_CONNECTIONS
    assert config.timeout_keep_alive == 5
