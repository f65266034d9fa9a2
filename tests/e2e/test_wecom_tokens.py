"""WeCom revokes the access token in the middle of a burst: every question still gets through."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.config import Settings
from handlers.wecom.standin import WecomStandin
from tests.e2e.harness import FakeClock, tick
from tests.e2e.wecom_harness import (
    MEMBERS,
    app_to,
    kf_to,
    link_of,
    running_wecom,
    said,
    until,
    wecom_mapping,
)

RETAILERS = {"wmZhangWei0001": "r1", "wmLiuFang0002": "r2", "wmZhaoQiang003": "r3"}
MANAGER_OF = {"r1": "LiJingLi", "r2": "WangJingLi", "r3": "LiJingLi"}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 12, 7, 2, 0, tzinfo=UTC))


@pytest.fixture
async def wecom(clock: FakeClock) -> AsyncIterator[WecomStandin]:
    async with WecomStandin(clock, members=set(MEMBERS)) as standin:
        yield standin


def cards(wecom: WecomStandin, userid: str, text: str) -> list[str]:
    """Return the app messages a member got that hold this text (a long card's text goes first)."""
    return [said(d) for d in app_to(wecom, userid) if text in said(d)]


async def test_a_token_revoked_mid_burst_costs_one_refresh_and_no_question(
    wecom: WecomStandin, clock: FakeClock, tmp_path: Path
) -> None:
    settings = Settings.from_mapping(wecom_mapping(wecom, tmp_path), env={}, config_dir=tmp_path)
    async with running_wecom(settings, wecom, clock) as app:
        for customer, retailer in RETAILERS.items():
            await wecom.retailer_enters(customer, link_of(retailer))
        await until(lambda: len(wecom.calls_to("kf/send_msg_on_event")) == len(RETAILERS))
        fetched = wecom.tokens.gettoken_calls
        assert fetched >= 1

        wecom.tokens.revoke()
        first = {c: f"{r} 第一个问题：软中华还有货吗？" for c, r in RETAILERS.items()}
        second = {c: f"{r} 第二个问题：发票怎么开？" for c, r in RETAILERS.items()}
        await asyncio.gather(*(wecom.retailer_writes(c, q) for c, q in first.items()))
        await asyncio.gather(*(wecom.retailer_writes(c, q) for c, q in second.items()))
        burst = [(c, q) for asked in (first, second) for c, q in asked.items()]
        await until(
            lambda: all(cards(wecom, MANAGER_OF[RETAILERS[c]], q) for c, q in first.items())
        )
        # Follow-ups reach the manager grouped, once the flood pause is over.
        await tick(app, seconds=30)
        await until(lambda: all(cards(wecom, MANAGER_OF[RETAILERS[c]], q) for c, q in burst))
        await until(lambda: all(kf_to(wecom, c) for c in RETAILERS))

    assert wecom.tokens.gettoken_calls == fetched + 1
    # The revoked token was refused (by each call it was in flight on), then never used again.
    refused = [c for c in wecom.calls if c.errcode == 40014]
    assert refused
    assert all(c.errcode == 0 for c in wecom.calls[wecom.calls.index(refused[-1]) + 2 :])
    # Nothing went out twice: a follow-up that joined a waiting question shows in that question's
    # messages, so each manager's deliveries are checked to be all different instead.
    for manager in set(MANAGER_OF.values()):
        shown = [json.dumps([d.msgtype, d.body], sort_keys=True) for d in app_to(wecom, manager)]
        assert len(shown) == len(set(shown)), manager
        assert all(
            cards(wecom, manager, q) for c, q in burst if MANAGER_OF[RETAILERS[c]] == manager
        )
