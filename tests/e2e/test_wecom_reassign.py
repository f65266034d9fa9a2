"""On WeChat, the supervisor hands a silent manager's question to a colleague, who answers it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import RetailDesk
from bot.config import Settings
from desk.commands import Nudge, Outcome, Reassign
from desk.notices import NoticeKind
from handlers.wecom.standin import WecomStandin
from tests.e2e.harness import FakeClock
from tests.e2e.wecom_harness import (
    MEMBERS,
    Recorded,
    link_of,
    recorded,
    running_wecom,
    until,
    wecom_mapping,
)

ZHANG = "wmZhangWei0001"
QUESTION = "烟柜的灯坏了，怎么报修？"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 12, 7, 19, 0, tzinfo=UTC))


@pytest.fixture
async def wecom(clock: FakeClock) -> AsyncIterator[WecomStandin]:
    async with WecomStandin(clock, members=set(MEMBERS)) as standin:
        yield standin


@pytest.fixture
def rec() -> Recorded:
    return recorded()


@pytest.fixture
async def app(
    wecom: WecomStandin, clock: FakeClock, rec: Recorded, tmp_path: Path
) -> AsyncIterator[RetailDesk]:
    settings = Settings.from_mapping(wecom_mapping(wecom, tmp_path), env={}, config_dir=tmp_path)
    async with running_wecom(settings, wecom, clock, rec.couriers()) as running:
        yield running


async def asked(wecom: WecomStandin, rec: Recorded) -> int:
    """Link 张伟 (m1's), have him ask, and return the ticket his manager was told of."""
    await wecom.retailer_enters(ZHANG, link_of("r1"))
    await wecom.retailer_writes(ZHANG, QUESTION)
    question = await until(lambda: rec.to_staff("LiJingLi", NoticeKind.QUESTION))
    assert question[0].ticket_id is not None
    return question[0].ticket_id


def answers(rec: Recorded) -> list[str]:
    return [n.params["text"] for n in rec.to_retailer(ZHANG, NoticeKind.ANSWER)]


async def test_the_new_manager_answers_by_number_and_the_retailer_gets_it(
    app: RetailDesk, wecom: WecomStandin, rec: Recorded
) -> None:
    ticket = await asked(wecom, rec)

    outcome = await app.desk.reassign(Reassign("s1", ticket, "m2", "李经理在外地"))

    assert outcome is Outcome.DONE
    await until(lambda: rec.to_staff("WangJingLi", NoticeKind.REASSIGNED))
    (taken,) = await until(lambda: rec.to_staff("LiJingLi", NoticeKind.REASSIGNED_AWAY))
    assert taken.params["reason"] == "李经理在外地"
    (told,) = await until(lambda: rec.to_retailer(ZHANG, NoticeKind.MANAGER_CHANGED))
    assert told.params["manager"] == "王经理"
    # The new manager answers by the number alone, as on any ticket of his.
    await wecom.staff_writes("WangJingLi", f"#{ticket} 明天上午师傅上门")
    await until(lambda: answers(rec))
    assert answers(rec) == ["明天上午师傅上门"]


async def test_the_new_manager_answers_through_the_cards_reply_button(
    app: RetailDesk, wecom: WecomStandin, rec: Recorded
) -> None:
    ticket = await asked(wecom, rec)
    assert await app.desk.nudge(Nudge("s1", ticket)) is Outcome.DONE
    await until(lambda: rec.to_staff("LiJingLi", NoticeKind.NUDGE))
    await app.desk.reassign(Reassign("s1", ticket, "m2", "李经理在外地"))
    await until(lambda: rec.to_staff("WangJingLi", NoticeKind.REASSIGNED))

    await wecom.staff_presses("WangJingLi", f"reply:{ticket}", "task-1")
    await wecom.staff_writes("WangJingLi", "明天上午师傅上门")

    await until(lambda: answers(rec))
    assert answers(rec) == ["明天上午师傅上门"]
    (answer,) = rec.to_retailer(ZHANG, NoticeKind.ANSWER)
    assert answer.params["staff"] == "王经理"
