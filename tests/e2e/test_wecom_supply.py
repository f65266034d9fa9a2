"""A 微信客服 retailer orders; their manager in the WeCom app records the outcome with the card's buttons."""

# The WeChat fixtures are test_wecom's, imported here by name: each test's parameter is one.
# ruff: noqa: F811

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from bot.app import RetailDesk
from bot.config import Settings
from desk.supply import SupplyOutcome
from handlers.wecom.standin import WecomStandin
from storage.tables import supply_requests
from tests.e2e.test_wecom import ZHANG, clock, link, settings, wecom  # noqa: F401
from tests.e2e.wecom_harness import app_to, kf_to, running_wecom, said, until
from tests.unit.fakes import FakeClock


@pytest.fixture
async def app(
    settings: Settings, wecom: WecomStandin, clock: FakeClock
) -> AsyncIterator[RetailDesk]:
    # The real couriers: what is asserted is what the WeCom stand-in received.
    async with running_wecom(settings, wecom, clock) as running:
        yield running


def cards_to(wecom: WecomStandin, userid: str) -> list[dict]:
    return [d.body for d in app_to(wecom, userid, "template_card")]


def keys(card: dict) -> list[str]:
    return [b["key"] for b in card["button_list"]]


async def test_out_of_stock_is_recorded_from_the_card_with_a_restock_date(
    app: RetailDesk, wecom: WecomStandin
) -> None:
    await link(app, wecom, ZHANG, "r1")
    await wecom.retailer_writes(ZHANG, "/order")
    await until(lambda: kf_to(wecom, ZHANG))
    await wecom.retailer_writes(ZHANG, "软中华 2条 明早送")

    order = await until(lambda: [c for c in cards_to(wecom, "LiJingLi") if "sup:1:oos" in keys(c)])
    await wecom.staff_presses("LiJingLi", "sup:1:oos", str(order[0]["task_id"]))
    when = await until(lambda: [c for c in cards_to(wecom, "LiJingLi") if "sup:1:oos:3" in keys(c)])
    await wecom.staff_presses("LiJingLi", "sup:1:oos:3", str(when[0]["task_id"]))

    told = await until(lambda: [d for d in kf_to(wecom, ZHANG) if "缺货" in said(d)])
    assert "软中华" in said(told[0])
    async with app.store.reading() as conn:
        outcome, expected = (
            await conn.execute(select(supply_requests.c.outcome, supply_requests.c.expected))
        ).one()
    assert outcome == SupplyOutcome.OUT_OF_STOCK.value and expected is not None
    # A forged press for another order changes nothing.
    await wecom.staff_presses("WangJingLi", "sup:1:ok", "forged")
    refused = await until(lambda: [d for d in app_to(wecom, "WangJingLi") if said(d)])
    assert refused
    async with app.store.reading() as conn:
        assert (
            await conn.scalar(select(supply_requests.c.outcome))
        ) == SupplyOutcome.OUT_OF_STOCK.value
