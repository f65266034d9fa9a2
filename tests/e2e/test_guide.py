"""The guidance library: suggestions while the manager answers, browsing, and saved answers."""

from __future__ import annotations

from pathlib import Path

from handlers.telegram.standin import Standin
from tests.e2e.harness import buttons, running_desk, settings_with

GUIDE = Path(__file__).resolve().parents[2] / "guide.txt"
DAMP = "烟最近有点受潮，怎么存放比较好？"


async def test_a_question_brings_suggestions_and_still_reaches_the_manager(
    tg: Standin, tmp_path: Path
) -> None:
    zhang = tg.get_user(9001)
    # Follow-ups reach the manager at once, so the test can wait for them.
    settings = settings_with(tg, tmp_path, guide={"file": str(GUIDE)}, flood={"notify_every": 0})
    async with running_desk(settings, tg):
        zhang.send(DAMP)
        await tg.wait_message(9001, contains="已收到您的问题")
        shown = await tg.wait_message(9001, contains="这些指南也许有帮助")
        assert "① 温湿度：阴凉、干燥、避光" in shown["text"]
        assert buttons(shown)[0] == "gd:e:storage.climate"
        await tg.wait_message(5001, contains=DAMP)

        zhang.press(shown, "gd:e:storage.climate")
        entry = await tg.wait_message(9001, contains="18–26℃")
        assert entry["text"].startswith("📚 温湿度：阴凉、干燥、避光")

        zhang.send("夏天湿度大，又该怎么办？")
        await tg.wait_message(5001, contains="夏天湿度大")

        zhang.send("/guide")
        topics = await tg.wait_message(9001, contains="经营指南")
        assert buttons(topics) == [
            "gd:t:display",
            "gd:t:storage",
            "gd:t:promotion",
            "gd:t:regulations",
            "gd:t:ordering",
        ]
        zhang.press(topics, "gd:t:regulations")
        listed = await tg.wait_message(9001, contains="法规")
        zhang.press(listed, "gd:e:regulations.minors")
        rule = await tg.wait_message(9001, contains="不向未成年人售烟")
        assert "身份证件" in rule["text"]

        # The same shelf from the menu's button.
        zhang.start()
        menu = await tg.wait_message(9001, contains="/guide")
        zhang.press(menu, "menu:guide")
        again = await tg.wait_message(9001, contains="经营指南")
        assert buttons(again) == buttons(topics)
    # Once per round: the question's follow-ups bring no more suggestions.
    assert len([m for m in tg.inbox(9001) if "指南也许有帮助" in m.get("text", "")]) == 1


async def test_a_saved_answer_is_approved_and_suggested_to_the_next_retailer(
    tg: Standin, tmp_path: Path
) -> None:
    zhang, liu, li, chen = (tg.get_user(i) for i in (9001, 9002, 5001, 7001))
    async with running_desk(settings_with(tg, tmp_path, guide={"file": str(GUIDE)}), tg):
        zhang.send("发霉的烟能退吗？")
        question = await tg.wait_message(5001, contains="发霉的烟能退吗")
        answer = li.send("发霉的烟不能卖，拍照发我，下次送货时给您换。", reply_to=question)
        sent = await tg.wait_message(5001, contains="已转给零售户")
        assert buttons(sent) == [f"gds:{answer['message_id']}"]
        li.press(sent, f"gds:{answer['message_id']}")

        draft = await tg.wait_message(7001, contains="指南草稿 #1")
        assert "问：发霉的烟能退吗？" in draft["text"]
        assert buttons(draft) == ["gdd:1:ok", "gdd:1:no"]
        assert "/approve 1" in draft["text"]
        chen.press(draft, "gdd:1:ok")
        # The retailer's own words are not published: the supervisor rewords them first.
        await tg.wait_for(
            lambda: any("原话" in (a.get("text") or "") for a in tg.answered_callbacks)
        )
        chen.send("/approve 1 烟发霉了，能退换吗？")
        await tg.wait_message(7001, contains="已收录进指南")
        await tg.wait_message(5001, contains="已收录进指南")

        liu.send("烟发霉了能退吗")
        shown = await tg.wait_message(9002, contains="这些指南也许有帮助")
        assert "烟发霉了，能退换吗？" in shown["text"]
        assert "gd:e:d1" in buttons(shown)
        liu.press(shown, "gd:e:d1")
        saved = await tg.wait_message(9002, contains="下次送货时给您换")
        assert saved["text"].startswith("📚 烟发霉了，能退换吗？")
    said = [c.get("text") for c in tg.answered_callbacks]
    assert "已存为指南草稿，等待主管审核。" in said
    assert (
        "问题是零售户的原话，不会原样公开。请用您自己的话改写后收录：/approve 草稿号 改写后的问题"
        in said
    )


async def test_a_stranger_gets_the_register_prompt_not_the_guide(
    tg: Standin, tmp_path: Path
) -> None:
    stranger = tg.user(6660001, "路人")
    async with running_desk(settings_with(tg, tmp_path, guide={"file": str(GUIDE)}), tg):
        stranger.send("/guide")
        told = await tg.wait_message(6660001)
        stranger.press(told, "gd:t:storage", force=True)
        await tg.wait_for(lambda: len(tg.inbox(6660001)) == 2)
    assert all("已登记的零售户" in m["text"] for m in tg.inbox(6660001))
    assert not any("经营指南" in m["text"] for m in tg.inbox(6660001))
