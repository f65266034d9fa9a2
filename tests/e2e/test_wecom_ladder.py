"""On WeChat, the manager stays silent: the reminder, the backup and the supervisor, once each."""

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
QUESTION = "烟柜的灯坏了，怎么报修？"
LADDER = [
    {"after": "1h", "notify": "manager"},
    {"after": "2h", "notify": "backup"},
    {"after": "3h", "notify": "supervisor"},
]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 12, 7, 15, 0, tzinfo=UTC))  # 23:00 in Shanghai


@pytest.fixture
async def wecom(clock: FakeClock) -> AsyncIterator[WecomStandin]:
    async with WecomStandin(clock, members=set(MEMBERS)) as standin:
        yield standin


def ladder_settings(wecom: WecomStandin, folder: Path) -> Settings:
    mapping = wecom_mapping(wecom, folder)
    mapping["escalation"] = {"steps": LADDER, "sweep_every": 1}
    mapping["managers"][0]["backup"] = "m2"
    mapping["managers"][1]["backup"] = "m1"
    return Settings.from_mapping(mapping, env={}, config_dir=folder)


def cards_saying(wecom: WecomStandin, userid: str, words: str) -> list[str]:
    """Return the cards a member got in the app whose text holds these words."""
    return [said(d) for d in app_to(wecom, userid, "template_card") if words in said(d)]


async def test_silence_climbs_to_the_backup_and_the_supervisor_as_cards_once_each(
    wecom: WecomStandin, clock: FakeClock, tmp_path: Path
) -> None:
    async with running_wecom(ladder_settings(wecom, tmp_path), wecom, clock) as app:
        await wecom.retailer_enters(ZHANG, link_of("r1"))
        await wecom.retailer_writes(ZHANG, QUESTION)
        await until(lambda: cards_saying(wecom, "LiJingLi", QUESTION))
        await tick(app, minutes=59)
        assert cards_saying(wecom, "LiJingLi", "提醒") == []
        await tick(app, minutes=1)
        reminder = cards_saying(wecom, "LiJingLi", "提醒")
        assert len(reminder) == 1
        await tick(app, minutes=59)
        assert cards_saying(wecom, "WangJingLi", "升级") == []
        await tick(app, minutes=1)
        escalation = cards_saying(wecom, "WangJingLi", "升级")
        assert len(escalation) == 1 and QUESTION[:6] in escalation[0]
        await tick(app, minutes=59)
        assert cards_saying(wecom, "ChenZhuRen", "升级") == []
        await tick(app, minutes=1)
        alert = cards_saying(wecom, "ChenZhuRen", "升级")
        assert len(alert) == 1 and "李经理" in alert[0]
        await tick(app, hours=1)
        await tick(app, hours=1)
    # Each step once, on its own member, and none on another's.
    assert len(cards_saying(wecom, "LiJingLi", "提醒")) == 1
    assert cards_saying(wecom, "LiJingLi", "升级") == []
    assert len(cards_saying(wecom, "WangJingLi", "升级")) == 1
    assert cards_saying(wecom, "WangJingLi", "提醒") == []
    assert len(cards_saying(wecom, "ChenZhuRen", "升级")) == 1
    # The retailer heard only the acknowledgement: the ladder spent none of their window.
    to_zhang = [said(d) for d in kf_to(wecom, ZHANG)]
    assert len(to_zhang) == 1 and "李经理" in to_zhang[0], to_zhang
