"""The field cases' notices render in the reader's language, dates in the desk's zone."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from desk.commands import Resolve
from desk.complaining import Complain
from desk.content import Content, ContentKind
from desk.notices import Notice, NoticeKind
from desk.ordering import Order, SupplyAnswer
from desk.people import Address
from desk.supply import OrderLine, RefusalReason, SupplyOutcome
from handlers.telegram.render import Renderer, TextOut

R1 = Address("telegram", "9001")


@pytest.fixture
def renderer() -> Renderer:
    """Return a renderer for Shanghai."""
    return Renderer(ZoneInfo("Asia/Shanghai"))


def text_of(renderer: Renderer, notice: Notice) -> str:
    rendered = renderer.render(notice)
    assert isinstance(rendered, TextOut)
    return rendered.text


async def test_an_out_of_stock_answer_names_the_local_date(desk, store, renderer, clock):
    await desk.order(Order(R1, OrderLine("软中华", "2条")))
    clock.set(clock.now().replace(hour=15, minute=30))  # 23:30 in Shanghai
    await desk.answer_supply(SupplyAnswer("m1", 1, SupplyOutcome.OUT_OF_STOCK, restock_days=1))

    (told,) = store.posted_to("r1", NoticeKind.SUPPLY_ANSWER)
    assert text_of(renderer, told) == "⛔ 李经理：软中华 暂时缺货（订货 #1），预计 11-18 到货。"


async def test_a_refusal_reads_its_reason_in_english(desk, store, renderer):
    await desk.choose_lang(R1, "en")
    await desk.order(Order(R1, OrderLine("Marlboro", "2 cartons")))
    await desk.answer_supply(
        SupplyAnswer("m1", 1, SupplyOutcome.REFUSED, reason=RefusalReason.QUOTA)
    )

    (told,) = store.posted_to("r1", NoticeKind.SUPPLY_ANSWER)
    assert text_of(renderer, told) == (
        "✋ 李经理: order #1 (Marlboro × 2 cartons) is refused: it exceeds this period's quota."
    )


async def test_the_order_acknowledgement_shows_the_due_time_locally(desk, store, renderer, clock):
    await desk.order(Order(R1, OrderLine("软中华", "", "明早送")))

    (ack,) = store.posted_to("r1", NoticeKind.SUPPLY_ACK)
    due = (clock.now() + timedelta(minutes=15)).astimezone(ZoneInfo("Asia/Shanghai"))
    assert text_of(renderer, ack) == (
        f"🛒 订货请求 #1 已转给李经理（工单 #1）：软中华 × -。会在 {due:%m-%d %H:%M} 前答复您。"
    )


async def test_a_photo_complaint_is_copied_to_the_supervisor_with_its_label(desk, store, renderer):
    photo = Content(ContentKind.PHOTO, "他这样摆货", Address("telegram", "9001"), "12")
    await desk.complain(Complain(R1, photo))

    (complaint,) = store.posted_to("s1", NoticeKind.COMPLAINT)
    rendered = renderer.render(complaint)
    assert (rendered.from_chat_id, rendered.message_id) == (9001, 12)
    assert rendered.caption.startswith(
        "🔒 投诉 #1 · 张三（张三烟酒店）投诉客户经理李经理：\n[图片] 他这样摆货"
    )


@pytest.mark.parametrize(
    ("lang", "start"),
    [("zh", "工单 #1 由李经理处理。请为这次服务打分"), ("en", "Ticket #1 was handled by 李经理.")],
)
async def test_the_rating_request_speaks_the_retailers_language(desk, store, renderer, lang, start):
    await desk.choose_lang(R1, lang)
    await desk.order(Order(R1, OrderLine("软中华")))
    await desk.resolve(Resolve("m1", 1))

    (ask,) = store.posted_to("r1", NoticeKind.RATE_ASK)
    rendered = renderer.render(ask)
    assert rendered.text.startswith(start)
    labels = [b["text"] for row in rendered.markup["inline_keyboard"] for b in row]
    assert labels == ["1⭐", "2⭐", "3⭐", "4⭐", "5⭐"]
