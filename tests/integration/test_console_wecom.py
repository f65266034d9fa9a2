"""The console's WeCom door: what each answer about an OAuth code shows the person coming back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from handlers.console.services import CodeRefused, WecomLogin
from tests.console import Desk, console_desk


@dataclass
class FakeMembers:
    """Answer for WeCom who each OAuth code names, and record the codes asked about."""

    answers: dict[str, str | CodeRefused | None]
    asked: list[str] = field(default_factory=list)

    async def __call__(self, code: str) -> str | CodeRefused | None:
        self.asked.append(code)
        return self.answers[code]


@pytest.fixture
def members() -> FakeMembers:
    return FakeMembers(
        {
            "chen": "ChenZhuRen",
            "outsider": "ZhaoCaiWu",
            "someone": None,
            "stale": CodeRefused.EXPIRED,
            "outage": CodeRefused.FAILED,
        }
    )


@pytest.fixture
async def desk(tmp_path, members) -> AsyncIterator[Desk]:
    login = WecomLogin("wwcorp", 1000002, "https://open.weixin.qq.com/oauth2", members)
    async with console_desk(tmp_path, wecom=login) as made:
        yield made


async def back_with(desk: Desk, code: str, lang: str = "zh") -> tuple[httpx.Response, int]:
    """Pass the workbench entry, come back with a code; return the page and /console's status."""
    async with desk.browser() as browser:
        browser.headers["accept-language"] = lang
        entry = await browser.get("/console/wecom")
        state = parse_qs(urlsplit(entry.headers["location"]).query)["state"][0]
        back = await browser.get(f"/console/wecom/back?code={code}&state={state}")
        return back, (await browser.get("/console")).status_code


async def test_a_staff_member_gets_in(desk, members):
    back, console = await back_with(desk, "chen")

    assert back.status_code == 303
    assert console == 200
    assert members.asked == ["chen"]


@pytest.mark.parametrize(
    ("lang", "told"),
    [
        ("zh", "此登录链接已过期，请从工作台重新打开控制台。"),
        ("en", "This sign-in link has expired; open the console again from the workbench."),
    ],
)
async def test_an_expired_code_says_so_and_leads_back_to_the_start(desk, lang, told):
    back, console = await back_with(desk, "stale", lang)

    assert back.status_code == 403
    assert 'data-key="expired"' in back.text
    assert told in back.text
    assert '<a href="/console/wecom">' in back.text
    assert console == 401


@pytest.mark.parametrize("code", ["outsider", "someone"])
async def test_someone_not_on_the_staff_is_refused_as_before(desk, code):
    back, console = await back_with(desk, code, "en")

    assert back.status_code == 403
    assert 'data-key="refused"' in back.text
    assert "not on the desk&#39;s staff" in back.text
    assert "expired" not in back.text
    assert console == 401


async def test_wecom_not_answering_asks_to_try_again(desk):
    back, console = await back_with(desk, "outage", "en")

    assert back.status_code == 502
    assert 'data-key="oauth"' in back.text
    assert "did not work; please try again" in back.text
    assert console == 401
