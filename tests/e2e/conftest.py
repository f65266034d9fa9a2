"""The stand-in and its cast, shared by the end-to-end tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from handlers.telegram.standin import Standin


@pytest.fixture
async def tg() -> AsyncIterator[Standin]:
    async with Standin() as standin:
        standin.user(9001, "张伟")
        standin.user(9002, "刘芳")
        standin.user(5001, "李经理")
        standin.user(5002, "王经理")
        standin.user(7001, "陈主任")
        yield standin
