"""`retaildesk demo` plays its story on the shipped config.toml and shows every step."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest

from bot.demo import play


@pytest.mark.xdist_group("long")
async def test_the_demo_story_plays_to_the_end(capsys: pytest.CaptureFixture[str]) -> None:
    assert await play() == 0
    shown = capsys.readouterr().out
    for step in (
        "已收到您的问题",
        "⏰ 提醒",
        "🚨 升级",
        "王经理：张老板您好",
        "仅对已登记的零售户开放",
    ):
        assert step in shown


@pytest.mark.xdist_group("long")
async def test_the_demo_then_serves_the_console_to_the_supervisors_link(
    capsys: pytest.CaptureFixture[str],
) -> None:
    done = asyncio.Event()
    playing = asyncio.create_task(play(console=True, until=done))
    shown = ""
    try:
        deadline = asyncio.get_running_loop().time() + 90
        while (found := re.search(r"http://127\.0\.0\.1:\d+/console/login/\S+", shown)) is None:
            assert not playing.done(), shown
            assert asyncio.get_running_loop().time() < deadline, shown
            await asyncio.sleep(0.2)
            shown += capsys.readouterr().out
        async with httpx.AsyncClient() as browser:
            confirm = await browser.get(found[0])
            nonce = re.search(r'name="nonce" value="([^"]+)"', confirm.text)
            assert nonce is not None
            await browser.post(found[0], data={"nonce": nonce[1]})
            base = found[0].split("/console/")[0]
            page = await browser.get(f"{base}/console")
    finally:
        done.set()
        assert await playing == 0
    assert page.status_code == 200
    assert 'data-staff="s1"' in page.text
    # The question left waiting is on the supervisor's page.
    assert "赵强" in page.text
    assert "data-ticket=" in page.text
    # Four weeks of history stand behind it: when questions come, a manager's low ratings,
    # the popular brands denied, and the week against the last.
    assert re.search(r'<td class="heat-[1-9]" data-cell="\d-\d+"><a class="behind"', page.text)
    low = re.search(r'<table id="low-table">.*?</table>', page.text, re.DOTALL)
    assert low is not None
    assert 'data-manager="m1"' in low[0]
    assert '<tbody data-brand="黄鹤楼（硬红）">' in page.text
    assert 'class="change ' in page.text
