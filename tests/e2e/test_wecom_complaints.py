"""A complaint reaches a supervisor in the WeCom app, and no manager in the app sees any of it.

The first complaint comes from a retailer on Telegram, the second from one on 微信客服; all the
staff work in the WeCom app, where the supervisor answers by the complaint's number and closes it.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.config import Settings
from handlers.telegram.standin import Standin
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

ROSTER = """id,name,shop,phone,manager,telegram_id
r1,张伟,张记烟酒店,13800000001,m1,9001
r3,赵强,强盛烟酒商行,13800000003,m1,
"""
ZHAO = "wmZhaoQiang003"
COMPLAINT = "李经理说软中华没货，可隔壁店天天有。"
MORE = "他还嫌我订得少"
SECRETS = (COMPLAINT, MORE, "投诉", "complaint", "Complaint", "保密", "陈主任")
MANAGERS = ("LiJingLi", "WangJingLi")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 12, 7, 2, 0, tzinfo=UTC))  # 10:00 in Shanghai


@pytest.fixture
async def wecom(clock: FakeClock) -> AsyncIterator[WecomStandin]:
    async with WecomStandin(clock, members=set(MEMBERS)) as standin:
        yield standin


def complaint_settings(wecom: WecomStandin, tg: Standin, folder: Path) -> Settings:
    telegram = {"token": tg.token, "base_url": tg.base_url, "poll_timeout": 1}
    mapping = wecom_mapping(wecom, folder, telegram={**telegram, "messages_per_second": 0})
    mapping["managers"][0]["backup"] = "m2"
    mapping["escalation"] = {
        "steps": [{"after": "1h", "notify": "manager"}, {"after": "2h", "notify": "backup"}],
        "sweep_every": 1,
    }
    mapping["complaints"] = {"steps": [{"after": "1h"}]}
    (folder / "retailers.csv").write_text(ROSTER, encoding="utf-8")
    return Settings.from_mapping(mapping, env={}, config_dir=folder)


def everything_to(wecom: WecomStandin, userid: str) -> list[str]:
    """Return every app message a member got, with any uploaded file read as its text."""
    shown = []
    for delivery in app_to(wecom, userid):
        shown.append(said(delivery))
        media_id = delivery.body.get("media_id")
        if media_id:
            shown.append(wecom.media.get(media_id).content.decode("utf-8", "replace"))
    return shown + [json.dumps(d.body, ensure_ascii=False) for d in wecom.app.dropped]


async def test_a_complaint_reaches_the_wecom_supervisor_and_no_manager_in_the_app(
    wecom: WecomStandin, tg: Standin, clock: FakeClock, tmp_path: Path
) -> None:
    async with running_wecom(complaint_settings(wecom, tg, tmp_path), wecom, clock) as app:
        tg.get_user(9001).send(f"/complain {COMPLAINT}")
        await tg.wait_message(9001, contains="已保密转给陈主任", timeout=15)
        complaint = await until(
            lambda: [s for s in everything_to(wecom, "ChenZhuRen") if COMPLAINT in s]
        )
        assert "张伟（张记烟酒店）投诉客户经理李经理" in complaint[0]
        tg.get_user(9001).send(MORE)
        await until(lambda: [s for s in everything_to(wecom, "ChenZhuRen") if MORE in s])
        # The complaint's own nudge reaches the supervisor, an hour on.
        await tick(app, hours=1)
        await until(lambda: [s for s in everything_to(wecom, "ChenZhuRen") if "提醒" in s])

        # Meanwhile a retailer on 微信客服 asks; that question and its ladder do reach the managers.
        await wecom.retailer_enters(ZHAO, link_of("r3"))
        await wecom.retailer_writes(ZHAO, "明天送货吗？")
        await until(lambda: [s for s in everything_to(wecom, "LiJingLi") if "明天送货吗" in s])
        await tick(app, hours=1)
        await until(lambda: [s for s in everything_to(wecom, "LiJingLi") if "提醒" in s])
        await tick(app, hours=1)
        await until(lambda: [s for s in everything_to(wecom, "WangJingLi") if "升级" in s])
        await wecom.staff_writes("ChenZhuRen", "/report")
        await wecom.staff_writes("LiJingLi", "/mystats")
        await until(lambda: len(wecom.calls_to("media/upload")) >= 4, timeout=20)
        await tick(app, hours=1)

    for manager in MANAGERS:
        seen = everything_to(wecom, manager)
        assert seen, manager
        leaked = [s for s in seen for secret in SECRETS if secret in s]
        assert leaked == [], leaked
    to_zhao = " ".join(said(d) for d in kf_to(wecom, ZHAO))
    assert COMPLAINT not in to_zhao and MORE not in to_zhao


async def test_a_kf_retailer_complains_and_the_supervisor_answers_and_closes_in_the_app(
    wecom: WecomStandin, tg: Standin, clock: FakeClock, tmp_path: Path
) -> None:
    async with running_wecom(complaint_settings(wecom, tg, tmp_path), wecom, clock):
        await wecom.retailer_enters(ZHAO, link_of("r3"))
        await wecom.retailer_writes(ZHAO, "/complain")
        await until(lambda: kf_to(wecom, ZHAO))
        await wecom.retailer_writes(ZHAO, COMPLAINT)
        card = await until(lambda: [d for d in app_to(wecom, "ChenZhuRen") if COMPLAINT in said(d)])
        # No reply-to in the app: the complaint says how to answer it by its own number.
        assert "#C1" in said(card[0])

        await wecom.staff_writes("ChenZhuRen", "#C1 我已核实，明天我亲自给您送货。")
        await until(lambda: [d for d in kf_to(wecom, ZHAO) if "亲自给您送货" in said(d)])
        confirmed = await until(
            lambda: [
                d for d in app_to(wecom, "ChenZhuRen") if "投诉 #1" in said(d) and "✓" in said(d)
            ]
        )
        assert confirmed
        # The close button on the complaint's card ends it, and the retailer is told.
        cards = [d.body for d in app_to(wecom, "ChenZhuRen", "template_card")]
        closing = [c for c in cards if "cpx:1" in [b["key"] for b in c["button_list"]]]
        assert len(closing) == 1
        task_id = str(closing[0]["task_id"])
        before = len(kf_to(wecom, ZHAO))
        await wecom.staff_presses("ChenZhuRen", "cpx:1", task_id)
        await until(lambda: len(kf_to(wecom, ZHAO)) > before)
        assert "已由陈主任结案" in said(kf_to(wecom, ZHAO)[-1])

    for manager in MANAGERS:
        leaked = [s for s in everything_to(wecom, manager) for secret in SECRETS if secret in s]
        assert leaked == [], leaked
