"""The console in a real browser: in by the bot's link, a question appears live, reassign it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from handlers.telegram.standin import Standin
from tests.e2e.browser import chromium, needs_chromium
from tests.e2e.harness import FakeClock, console_served, running_desk, settings_with, tick

pytestmark = [needs_chromium, pytest.mark.xdist_group("long")]

# The smallest refresh the config allows: the page's own timer runs on real time.
REFRESH = {"refresh": 2}
# Several refreshes, for a machine busy with the rest of the suite.
LIVE_MS = 15_000


def link_in(tg: Standin, chat_id: int) -> tuple[str, dict[str, Any]]:
    """Return the one-time console link the bot sent a chat, and the sendMessage call's params."""
    (call,) = [
        c
        for c in tg.calls_to("sendMessage")
        if str(c.params.get("chat_id")) == str(chat_id) and "/console/login/" in c.params["text"]
    ]
    found = re.search(r"http://\S+/console/login/\S+", call.params["text"])
    assert found is not None
    return found[0], call.params


def previews_off(params: dict[str, Any]) -> bool:
    """Say whether a sendMessage call asked Telegram not to preview (and so open) its link."""
    options = params.get("link_preview_options")
    if isinstance(options, str):
        return '"is_disabled": true' in options or '"is_disabled":true' in options
    return bool(options and options.get("is_disabled"))


async def signed_in(browser: Browser, tg: Standin, chat_id: int, base: str) -> tuple[Page, str]:
    """Ask the bot for /console in the chat, open its link, confirm; return the page and link."""
    tg.get_user(chat_id).send("/console")
    await tg.wait_message(chat_id, contains="/console/login/")
    link, params = link_in(tg, chat_id)
    assert link.startswith(f"{base}/console/login/")
    assert previews_off(params)
    page = await browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 800})
    await page.goto(link)
    await page.locator("form#login button[type=submit]").click()
    await page.wait_for_url(f"{base}/console")
    return page, link


async def test_a_supervisor_sees_a_question_arrive_and_hands_it_to_another_manager(
    tg: Standin, tmp_path: Path
) -> None:
    settings = settings_with(tg, tmp_path, console=REFRESH)
    async with (
        running_desk(settings, tg, clock=FakeClock()) as app,
        console_served(app) as base,
        chromium() as browser,
    ):
        page, _ = await signed_in(browser, tg, 7001, base)
        await expect(page.locator("#viewer")).to_have_attribute("data-staff", "s1")
        await expect(page.locator("#waiting p.empty")).to_be_visible()
        await expect(page.locator("#complaints")).to_be_visible()
        # Survives only if the page is never loaded again.
        await page.evaluate("window.sameDocument = true")

        tg.get_user(9001).send("软中华什么时候到？这周要十条。")
        await tg.wait_message(5001, contains="软中华什么时候到")
        await tick(app, minutes=12)

        row = page.locator("#waiting tr[data-ticket]")
        await expect(row).to_have_attribute("data-manager", "m1", timeout=LIVE_MS)
        assert await page.evaluate("window.sameDocument") is True
        await expect(row.locator("td.waited")).to_contain_text("12")
        await expect(page.locator("li.figure[data-figure=unanswered] .number")).to_have_text("1")
        ticket = await row.get_attribute("data-ticket")

        # The reason first: while a field of the live parts has focus, no refresh swaps them.
        reassign = row.locator("form.reassign")
        await reassign.locator("input[name=reason]").fill("李经理今天在外地，王经理接手")
        await reassign.locator("select[name=manager_id]").select_option("m2")
        await reassign.locator("button[type=submit]").click()

        await expect(page.locator("#notice")).to_have_attribute("data-notice", "done.reassigned")
        moved = page.locator(f"#waiting tr[data-ticket='{ticket}']")
        await expect(moved).to_have_attribute("data-manager", "m2", timeout=LIVE_MS)
        await expect(moved).to_contain_text("王经理")
        told = await tg.wait_message(9001, contains="现在由王经理负责")
        given = await tg.wait_message(5002, contains="转给您处理")

        shot = tmp_path / "console.png"
        await page.screenshot(path=shot, full_page=True)
        print(f"console screenshot: {shot}")

        await page.goto(f"{base}/console/tickets/{ticket}")
        await expect(page.locator("#ticket-manager")).to_have_attribute("data-manager", "m2")
        timeline = page.locator("ol#timeline")
        await expect(
            timeline.locator("li[data-source=event][data-kind=reassigned]")
        ).to_contain_text("李经理今天在外地")
        await expect(
            timeline.locator("li[data-source=notice][data-kind=reassigned]")
        ).to_have_count(1)
    assert f"#{ticket}" in told["text"]
    assert "软中华什么时候到" in given["text"]
    assert "李经理今天在外地" in given["text"]


async def test_a_manager_sees_no_steering_nor_complaints_and_a_spent_link_is_gone(
    tg: Standin, tmp_path: Path
) -> None:
    settings = settings_with(tg, tmp_path, console=REFRESH)
    async with (
        running_desk(settings, tg, clock=FakeClock()) as app,
        console_served(app) as base,
        chromium() as browser,
    ):
        tg.get_user(9001).send("烟柜的灯坏了，怎么报修？")
        await tg.wait_message(5001, contains="烟柜的灯坏了")
        page, link = await signed_in(browser, tg, 5001, base)
        await expect(page.locator("#viewer")).to_have_attribute("data-staff", "m1")
        await expect(page.locator("#waiting tr[data-ticket]")).to_have_attribute(
            "data-manager", "m1"
        )
        forms = await page.locator("form.nudge, form.reassign").count()
        complaints = await page.locator("#complaints").count()

        elsewhere = await browser.new_page(locale="zh-CN")
        gone = await elsewhere.goto(link)
        assert gone is not None
        await expect(elsewhere.locator("#message[data-key=gone]")).to_have_attribute(
            "data-state", "spent"
        )
    assert forms == 0
    assert complaints == 0
    assert gone.status == 410
