"""Chinese by default, English for an English chat app, and /lang for anyone who picks."""

from __future__ import annotations

from pathlib import Path

from handlers.telegram.standin import Standin
from tests.e2e.harness import buttons, running_desk, settings_with


async def test_each_side_reads_its_own_language(tg: Standin, tmp_path: Path) -> None:
    liu = tg.user(9002, "刘芳", language_code="en-US")
    wang = tg.get_user(5002)
    async with running_desk(settings_with(tg, tmp_path, flood={"notify_every": 0}), tg):
        liu.start()
        menu = await tg.wait_message(9002, contains="/complain a confidential complaint")
        assert "menu:lang" in buttons(menu)

        liu.send("Do you have Marlboro Gold?")
        ack = await tg.wait_message(9002, contains="Got your question (ticket #1)")
        assert "Your manager 王经理 will answer by" in ack["text"]
        await tg.wait_message(5002, contains="🆕 工单 #1 · 刘芳（芳芳便利店）")

        wang.send("/lang en")
        await tg.wait_message(5002, contains="OK, I will write to you in English")
        liu.send("/order Marlboro 2 cartons by Friday")
        await tg.wait_message(9002, contains="Order #1 went to 王经理 (ticket #1)")
        order = await tg.wait_message(5002, contains="🛒 Order #1 · ticket #1 · 刘芳")
        assert "Quantity: 2 cartons" in order["text"]
        assert "Note: by Friday" in order["text"]
        wang.press(order, "sup:1:no")
        reasons = await tg.wait_message(5002, contains="Why is it refused?")
        assert "sup:1:no:quota" in buttons(reasons)

        # The retailer picks Chinese: it sticks although the chat app speaks English.
        liu.press(menu, "menu:lang")
        await tg.wait_message(9002, contains="好的，以后用中文和您交流。")
        wang.press(reasons, "sup:1:no:quota")
        refused = await tg.wait_message(9002, contains="无法满足")
        assert (
            refused["text"] == "✋ 王经理：订货 #1（Marlboro × 2 cartons）无法满足：超出本期配额。"
        )
        liu.send("为什么？")
        follow_up = await tg.wait_message(5002, contains="为什么？")
        assert follow_up["text"].startswith("➕ Ticket #1 · 刘芳 (芳芳便利店)")

    english = [c.get("text") for c in tg.answered_callbacks]
    assert "The retailer was told." in english
