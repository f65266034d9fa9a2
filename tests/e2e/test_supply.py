"""Orders answered fulfilled, out of stock and refused, and how the week's summary shows them."""

from __future__ import annotations

from pathlib import Path

from handlers.telegram.standin import Standin
from tests.e2e.harness import buttons, running_desk, settings_with


async def test_order_outcomes_reach_the_retailer_and_the_supervisors_report(
    tg: Standin, tmp_path: Path
) -> None:
    zhang, liu, li, wang, chen = (tg.get_user(i) for i in (9001, 9002, 5001, 5002, 7001))
    async with running_desk(settings_with(tg, tmp_path, flood={"notify_every": 0}), tg):
        zhang.send("/order 软中华 2条 明早送")
        await tg.wait_message(9001, contains="订货请求 #1 已转给李经理")
        first = await tg.wait_message(5001, contains="🛒 订货 #1")
        assert "品牌：软中华\n数量：2条\n备注：明早送" in first["text"]
        assert buttons(first) == ["sup:1:ok", "sup:1:part", "sup:1:oos", "sup:1:no"]
        # Only the ticket's manager answers an order with its buttons.
        wang.press(first, "sup:1:ok", force=True)
        li.press(first, "sup:1:oos")
        dates = await tg.wait_message(5001, contains="预计什么时候到货")
        assert buttons(dates) == ["sup:1:oos:1", "sup:1:oos:3", "sup:1:oos:7", "sup:1:oos:0"]
        li.press(dates, "sup:1:oos:3")
        out = await tg.wait_message(9001, contains="暂时缺货")
        assert out["text"].startswith("⛔ 李经理：软中华 暂时缺货（订货 #1），预计 ")

        # The guided way: /order alone, then the order as the next message.
        zhang.send("/order")
        await tg.wait_message(9001, contains="请按「品牌 数量 备注」发送订货")
        zhang.send("软中华2条")
        second = await tg.wait_message(5001, contains="🛒 订货 #2")
        li.press(second, "sup:2:no")
        reasons = await tg.wait_message(5001, contains="拒绝的原因")
        li.press(reasons, "sup:2:no:quota")
        refused = await tg.wait_message(9001, contains="无法满足")
        assert refused["text"] == "✋ 李经理：订货 #2（软中华 × 2条）无法满足：超出本期配额。"

        liu.send("/order 玉溪 5条")
        third = await tg.wait_message(5002, contains="🛒 订货 #3")
        wang.press(third, "sup:3:ok")
        await tg.wait_message(9002, contains="✅ 王经理：您的订货 #3（玉溪 × 5条）可以满足。")
        # A free answer by reply is relayed as any answer is.
        wang.send("明早九点前送到。", reply_to=third)
        await tg.wait_message(9002, contains="王经理：明早九点前送到。")

        chen.send("/report")
        report = await tg.wait_message(7001, contains="【订货】")

    lines = report["text"][report["text"].index("【订货】") :].splitlines()
    assert lines[:3] == [
        "【订货】缺货或拒绝 团队2/3（67%）",
        "李经理 2/2（100%） 缺1 拒1",
        "王经理 0/1（0%） 缺0 拒0",
    ]
    assert lines[3:] == ["按品牌：", "软中华 2/2（100%）", "  李经理 2/2（100%）", "玉溪 0/1（0%）"]
    said = [c.get("text") for c in tg.answered_callbacks]
    assert "这个按钮已失效。" in said  # 王经理 on 李经理's order, in 李经理's chat
    assert said.count("已告知零售户。") == 3
