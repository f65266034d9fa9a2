"""A 微信客服 retailer complains, picks a language and taps menus as a Telegram one presses buttons."""

# The WeChat fixtures are test_wecom's, imported here by name: each test's parameter is one.
# ruff: noqa: F811

from __future__ import annotations

from bot.app import RetailDesk
from desk.notices import NoticeKind
from desk.people import Address
from handlers.wecom.standin import WecomStandin
from tests.e2e.test_wecom import (  # noqa: F401  (fixtures)
    ZHANG,
    app,
    clock,
    link,
    rec,
    settings,
    wecom,
)
from tests.e2e.wecom_harness import Recorded, until

MANAGERS = ("LiJingLi", "WangJingLi")


async def tap(wecom: WecomStandin, external_userid: str, label: str, data: str) -> None:
    """Play a tap on a msgmenu item: WeCom sends the item's text with its id as menu_id."""
    await wecom.retailer_sends(external_userid, "text", {"content": label, "menu_id": data})


async def test_a_complaint_by_command_reaches_the_supervisor_and_no_manager(
    app: RetailDesk, wecom: WecomStandin, rec: Recorded
) -> None:
    await link(app, wecom, ZHANG, "r1")

    await wecom.retailer_writes(ZHANG, "/complain")
    prompt = await until(lambda: rec.to_retailer(ZHANG, NoticeKind.PROMPT))
    assert [b.data for b in prompt[0].buttons]  # the way back is offered as a tap
    await wecom.retailer_writes(ZHANG, "李经理说软中华没货，别家都有")

    complaint = await until(lambda: rec.to_staff("ChenZhuRen", NoticeKind.COMPLAINT))
    assert "别家都有" in complaint[0].params["text"]
    told = [n for userid in MANAGERS for n in rec.to_staff(userid)]
    assert all("别家都有" not in str(n.params) for n in told)
    # The command itself was no question to the manager either.
    assert all(n.kind is not NoticeKind.QUESTION for n in told)


async def test_a_tap_leaves_the_complaint_and_the_next_message_is_a_question_again(
    app: RetailDesk, wecom: WecomStandin, rec: Recorded
) -> None:
    await link(app, wecom, ZHANG, "r1")
    await tap(wecom, ZHANG, "🔒 投诉", "menu:complain")
    await until(lambda: rec.to_retailer(ZHANG, NoticeKind.PROMPT))
    await wecom.retailer_writes(ZHANG, "他上周骂了我")
    await until(lambda: rec.to_staff("ChenZhuRen", NoticeKind.COMPLAINT))

    await tap(wecom, ZHANG, "↩️ 回到客户经理", "cpdone")
    await wecom.retailer_writes(ZHANG, "软中华还有货吗？")

    question = await until(lambda: rec.to_staff("LiJingLi", NoticeKind.QUESTION))
    assert "软中华还有货吗？" in question[0].params["text"]
    assert all("骂了我" not in str(n.params) for n in rec.to_staff("LiJingLi"))


async def test_lang_switches_and_an_unknown_tap_is_called_stale(
    app: RetailDesk, wecom: WecomStandin, rec: Recorded
) -> None:
    await link(app, wecom, ZHANG, "r1")

    await wecom.retailer_writes(ZHANG, "/lang en")
    said = await until(lambda: rec.to_retailer(ZHANG, NoticeKind.NOTE))
    assert said[-1].params["about"] == "lang.set" and said[-1].lang == "en"
    retailer = (await app.desk.who(Address("wechat", ZHANG))).retailer
    assert retailer is not None and retailer.lang == "en"

    await tap(wecom, ZHANG, "?", "no-such-button")
    stale = await until(
        lambda: [
            n
            for n in rec.to_retailer(ZHANG, NoticeKind.NOTE)
            if n.params["about"] == "button.stale"
        ]
    )
    assert stale[0].lang == "en"
    assert rec.to_staff("LiJingLi") == []


async def test_a_manager_away_in_the_app_hands_new_questions_to_the_colleague_and_comes_back(
    app: RetailDesk, wecom: WecomStandin, rec: Recorded
) -> None:
    await link(app, wecom, ZHANG, "r1")
    await wecom.staff_writes("LiJingLi", "/away 2026-12-31 m2")
    away = await until(
        lambda: [
            n for n in rec.to_staff("LiJingLi", NoticeKind.NOTE) if n.params["about"] == "away.ok"
        ]
    )
    assert "王经理" in away[0].params["text"]

    await wecom.retailer_writes(ZHANG, "明天送货吗？")
    covered = await until(lambda: rec.to_staff("WangJingLi", NoticeKind.QUESTION))
    assert "明天送货吗？" in covered[0].params["text"]
    assert rec.to_staff("LiJingLi", NoticeKind.QUESTION) == []

    await wecom.staff_writes("LiJingLi", "/back")
    await until(
        lambda: [
            n for n in rec.to_staff("LiJingLi", NoticeKind.NOTE) if n.params["about"] == "back.ok"
        ]
    )
    await wecom.staff_writes("LiJingLi", "/away tomorrow")
    await until(
        lambda: [
            n
            for n in rec.to_staff("LiJingLi", NoticeKind.NOTE)
            if n.params["about"] == "away.usage"
        ]
    )
