"""The console from the WeCom app: /console sends a one-time link; OAuth signs staff in."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import select

from bot.app import RetailDesk
from bot.config import Settings
from bot.web import callbacks_app
from desk.clock import ShiftedClock
from handlers.wecom.standin import WecomStandin
from storage.tables import outbox
from tests.console import csrf_of
from tests.e2e.harness import FakeClock
from tests.e2e.wecom_harness import MEMBERS, app_to, running_wecom, said, until, wecom_mapping

SHANGHAI = ZoneInfo("Asia/Shanghai")
TUESDAY = datetime(2026, 12, 8, 10, 0, tzinfo=SHANGHAI)
# A member of the corp who is not on the desk's staff.
OUTSIDER = "ZhaoCaiWu"


@pytest.fixture
async def wecom() -> AsyncIterator[WecomStandin]:
    async with WecomStandin(FakeClock(TUESDAY), members={*MEMBERS, OUTSIDER}) as standin:
        yield standin


def settings_for(wecom: WecomStandin, folder: Path) -> Settings:
    mapping = wecom_mapping(wecom, folder)
    mapping["console"] = {
        "public_url": "http://desk.test",
        "wecom_authorize_url": wecom.authorize_url,
    }
    return Settings.from_mapping(mapping, env={}, config_dir=folder)


def browser(app: RetailDesk) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=callbacks_app(app))
    return httpx.AsyncClient(transport=transport, base_url="http://desk.test")


@asynccontextmanager
async def at_the_desk(
    wecom: WecomStandin, folder: Path
) -> AsyncIterator[tuple[RetailDesk, httpx.AsyncClient]]:
    """Run the desk on a Tuesday, with a browser pointed at its console."""
    clock = ShiftedClock(TUESDAY)
    async with (
        running_wecom(settings_for(wecom, folder), wecom, clock) as app,
        browser(app) as page,
    ):
        yield app, page


async def through_wecom(app: RetailDesk, wecom: WecomStandin, page: httpx.AsyncClient) -> str:
    """Open the workbench entry, pass WeCom's OAuth page, and return where it sends back to."""
    entry = await page.get("/console/wecom")
    assert entry.status_code == 302
    to_wecom = entry.headers["location"]
    async with httpx.AsyncClient() as phone:
        answered = await phone.get(to_wecom.removesuffix("#wechat_redirect"))
    assert answered.status_code == 302, answered.text
    back = urlsplit(answered.headers["location"])
    assert f"{back.scheme}://{back.netloc}{back.path}" == "http://desk.test/console/wecom/back"
    return f"{back.path}?{back.query}"


async def test_console_in_the_app_sends_a_one_time_link_straight_to_the_member(wecom, tmp_path):
    async with running_wecom(settings_for(wecom, tmp_path), wecom, ShiftedClock(TUESDAY)) as app:
        await wecom.staff_writes("LiJingLi", "/console")
        (sent,) = await until(
            lambda: [d for d in app_to(wecom, "LiJingLi", "text") if "/console/login/" in said(d)]
        )
        link = re.search(r"http://desk\.test/console/login/\S+", said(sent))
        assert link is not None
        token = link[0].rsplit("/", 1)[1]
        async with app.store.reading() as conn:
            bodies = (await conn.execute(select(outbox.c.body))).scalars().all()
        # Straight to the member: no outbox row ever held the token.
        assert not [b for b in bodies if token in b]
        async with browser(app) as page:
            confirm = await page.get(f"/console/login/{token}")
            nonce = re.search(r'name="nonce" value="([^"]+)"', confirm.text)
            assert nonce is not None
            signed = await page.post(f"/console/login/{token}", data={"nonce": nonce[1]})
            console = await page.get("/console")
    assert signed.status_code == 303
    assert console.status_code == 200
    assert 'data-staff="m1"' in console.text


async def test_a_staff_member_gets_in_by_wecom_oauth(wecom, tmp_path):
    async with at_the_desk(wecom, tmp_path) as (app, page):
        entry = await page.get("/console/wecom")
        asked = parse_qs(urlsplit(entry.headers["location"]).query)
        assert entry.headers["location"].startswith(wecom.authorize_url + "?")
        assert entry.headers["location"].endswith("#wechat_redirect")
        assert asked["appid"] == [wecom.corp_id]
        assert asked["agentid"] == [str(wecom.agent_id)]
        assert asked["scope"] == ["snsapi_base"]
        assert asked["redirect_uri"] == ["http://desk.test/console/wecom/back"]

        wecom.opens_as(userid="ChenZhuRen")
        first = await through_wecom(app, wecom, page)
        back = await page.get(first)
        console = await page.get("/console")
        # The code was spent: even with a fresh state, it opens nothing again.
        fresh = parse_qs(urlsplit(await through_wecom(app, wecom, page)).query)["state"][0]
        spent = parse_qs(urlsplit(first).query)["code"][0]
        again = await page.get(f"/console/wecom/back?code={spent}&state={fresh}")
    assert back.status_code == 303
    assert console.status_code == 200
    assert 'data-staff="s1"' in console.text
    assert csrf_of(console.text)
    assert again.status_code == 403
    assert 'data-key="expired"' in again.text
    assert wecom.calls_to("auth/getuserinfo")


@pytest.mark.parametrize(
    "opener", [{"userid": OUTSIDER}, {"external_userid": "wmSomeCustomer"}], ids=["member", "out"]
)
async def test_someone_not_on_the_staff_does_not_get_in(wecom, tmp_path, opener):
    async with at_the_desk(wecom, tmp_path) as (app, page):
        wecom.opens_as(**opener)
        refused = await page.get(await through_wecom(app, wecom, page))
        console = await page.get("/console")
    assert refused.status_code == 403
    assert 'data-key="refused"' in refused.text
    assert "/console/wecom" not in refused.text
    assert console.status_code == 401


async def test_an_invalid_code_or_a_foreign_state_does_not_get_in(wecom, tmp_path):
    async with at_the_desk(wecom, tmp_path) as (app, page):
        wecom.opens_as(userid="ChenZhuRen")
        back = await through_wecom(app, wecom, page)
        state = parse_qs(urlsplit(back).query)["state"][0]
        invalid = await page.get(f"/console/wecom/back?code=made-up&state={state}")
        foreign = await page.get(back.replace(f"state={state}", "state=someoneelses"))
        console = await page.get("/console")
    assert invalid.status_code == 403
    assert foreign.status_code == 403
    assert console.status_code == 401
    # WeCom refused the made-up code as invalid (40029): the page says so, and how to go on.
    assert [c.errcode for c in wecom.calls_to("auth/getuserinfo")] == [40029]
    assert 'data-key="expired"' in invalid.text
    assert "此登录链接已过期" in invalid.text
    assert 'href="/console/wecom"' in invalid.text
    assert 'data-key="oauth"' in foreign.text


async def test_a_code_older_than_five_minutes_asks_to_start_again(wecom, tmp_path):
    async with at_the_desk(wecom, tmp_path) as (app, page):
        wecom.opens_as(userid="ChenZhuRen")
        back = await through_wecom(app, wecom, page)
        # The phone slept on WeCom's page: the code it was sent back with is spent by time.
        wecom.clock.move(timedelta(minutes=5))
        late = await page.get(back, headers={"accept-language": "en"})
        again = await page.get("/console/wecom")
        console = await page.get("/console")
    assert late.status_code == 403
    assert 'data-key="expired"' in late.text
    assert "This sign-in link has expired" in late.text
    assert 'data-key="refused"' not in late.text
    assert [c.errcode for c in wecom.calls_to("auth/getuserinfo")] == [40029]
    # The way back starts the sign-in over, with a fresh state.
    assert again.headers["location"].startswith(wecom.authorize_url + "?")
    assert console.status_code == 401
