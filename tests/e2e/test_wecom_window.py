"""On 微信客服, an answer after the reply window closed waits for the retailer's next message."""

from __future__ import annotations

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

ZHANG = "wmZhangWei0001"
ANSWER = "有货，明早送到"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 12, 7, 2, 0, tzinfo=UTC))


@pytest.fixture
async def wecom(clock: FakeClock) -> AsyncIterator[WecomStandin]:
    async with WecomStandin(clock, members=set(MEMBERS)) as standin:
        yield standin


@pytest.fixture
def settings(wecom: WecomStandin, tmp_path: Path) -> Settings:
    mapping = wecom_mapping(wecom, tmp_path)
    mapping["escalation"] = {"steps": [{"after": "100h", "notify": "manager"}], "sweep_every": 1}
    return Settings.from_mapping(mapping, env={}, config_dir=tmp_path)


def answered(wecom: WecomStandin) -> list[str]:
    return [said(d) for d in kf_to(wecom, ZHANG) if ANSWER in said(d)]


async def sent(wecom: WecomStandin, count: int) -> None:
    """Wait until kf has sent the retailer `count` messages."""
    await until(lambda: len(kf_to(wecom, ZHANG)) >= count)


def told_held(wecom: WecomStandin) -> list[str]:
    """Return what told the manager that a message to the retailer waits."""
    return [said(d) for d in app_to(wecom, "LiJingLi") if "暂时发不出去" in said(d)]


async def test_an_answer_after_48_hours_is_held_then_delivered_once_when_the_retailer_writes(
    wecom: WecomStandin, clock: FakeClock, settings: Settings
) -> None:
    async with running_wecom(settings, wecom, clock) as app:
        await wecom.retailer_enters(ZHANG, link_of("r1"))
        await wecom.retailer_writes(ZHANG, "软中华还有货吗？")
        await until(lambda: app_to(wecom, "LiJingLi", "template_card"))
        await until(lambda: kf_to(wecom, ZHANG))  # the acknowledgement
        await tick(app, hours=48, seconds=1)
        await wecom.staff_writes("LiJingLi", f"#1 {ANSWER}")
        held = await until(lambda: told_held(wecom))
        await tick(app, hours=1)
        assert answered(wecom) == []
        assert len(held) == 1 and "#1" in held[0]

        await wecom.retailer_writes(ZHANG, "在吗？")
        await until(lambda: answered(wecom))
        await tick(app, hours=1)
        await tick(app, hours=7)
    assert len(answered(wecom)) == 1
    assert len(told_held(wecom)) == 1


async def test_a_window_spent_by_five_messages_holds_the_answer_until_the_retailer_writes(
    wecom: WecomStandin, clock: FakeClock, settings: Settings
) -> None:
    async with running_wecom(settings, wecom, clock) as app:
        await wecom.retailer_enters(ZHANG, link_of("r1"))
        await wecom.retailer_writes(ZHANG, "软中华还有货吗？")
        await until(lambda: kf_to(wecom, ZHANG))
        # Four answers to the one message spend what is left of its five.
        for n in range(2, 6):
            await wecom.staff_writes("LiJingLi", f"#1 第{n}条")
            await sent(wecom, n)
        assert len(kf_to(wecom, ZHANG)) == 5
        await wecom.staff_writes("LiJingLi", f"#1 {ANSWER}")
        await until(lambda: told_held(wecom))
        await tick(app, minutes=10)
        assert answered(wecom) == []
        assert len(kf_to(wecom, ZHANG)) == 5

        await wecom.retailer_writes(ZHANG, "在吗？")
        await until(lambda: answered(wecom))
        await tick(app, hours=7)
    assert len(answered(wecom)) == 1
    assert len(told_held(wecom)) == 1
