"""Notices become Telegram calls in the desk's timezone and the recipient's language."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from desk.asking import ticket_buttons
from desk.commands import Ask, Away, Resolve, ShareContact
from desk.complaining import Complain
from desk.content import Content, ContentKind
from desk.flood import units
from desk.notices import Attachment, Notice, NoticeKind
from desk.ordering import Order, SupplyAnswer
from desk.people import Address
from desk.supply import OrderLine, RefusalReason, SupplyOutcome
from handlers.catalog.filling import humanize as humanized
from handlers.telegram.render import MAX_CAPTION, MAX_TEXT, CopyOut, FileOut, Renderer, TextOut
from handlers.telegram.texts import say

SHANGHAI = ZoneInfo("Asia/Shanghai")
R1 = Address("telegram", "9001")
M1 = Address("telegram", "5001")
# 02:15 UTC is 10:15 in Shanghai.
DUE = datetime(2026, 11, 17, 2, 15, tzinfo=UTC)


@pytest.fixture
def renderer() -> Renderer:
    """Return a renderer for Shanghai."""
    return Renderer(SHANGHAI)


def to_m1(kind: NoticeKind, lang: str = "zh", **params: Any) -> Notice:
    """Return a notice for m1 about ticket 1."""
    return Notice("m1", M1, kind, lang, params, ticket_id=1)


@pytest.mark.parametrize(
    ("seconds", "zh", "en"),
    [
        (0, "0 秒", "0 s"),
        (45, "45 秒", "45 s"),
        (59.9, "59 秒", "59 s"),
        (60, "1 分钟", "1 min"),
        (12 * 60 + 30, "12 分钟", "12 min"),
        (3600, "1 小时 0 分钟", "1 h 0 min"),
        (3900, "1 小时 5 分钟", "1 h 5 min"),
        (26 * 3600, "26 小时 0 分钟", "26 h 0 min"),
        (-5, "0 秒", "0 s"),
    ],
)
def test_waiting_time_is_said_the_way_people_say_it(seconds, zh, en):
    assert humanized(seconds, "zh") == zh
    assert humanized(seconds, "en") == en


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("2026-11-17T02:15:00+00:00", "11-17 10:15"),
        ("2026-11-17T16:30:00+00:00", "11-18 00:30"),  # past midnight in Shanghai
        ("2026-11-17T10:15:00+08:00", "11-17 10:15"),
        (None, "-"),
        ("", "-"),
    ],
)
def test_stored_moments_are_shown_in_shanghai_time(renderer, stored, shown):
    assert renderer.local_time(stored) == shown


async def test_the_desks_ack_renders_the_due_time_in_local_time(desk, store):
    await desk.ask(Ask(R1, Content(ContentKind.TEXT, "在吗？", R1, str(1))))
    (ack,) = store.posted_to("r1", NoticeKind.ACK)

    out = Renderer(SHANGHAI).render(ack)

    assert out == TextOut(
        "已收到您的问题（工单 #1）。您的客户经理李经理会在 11-17 10:15 前回复您。"
    )


async def test_while_covering_the_ack_names_both_managers(desk, store, clock):
    await desk.go_away(Away("m1", clock.now() + timedelta(days=2), "m2"))
    await desk.ask(Ask(R1, Content(ContentKind.TEXT, "在吗？", R1, str(1))))
    (ack,) = store.posted_to("r1", NoticeKind.ACK)

    text = Renderer(SHANGHAI).text(ack)

    assert text == say(
        "zh", "ack.cover", ticket=1, manager="王经理", covering_for="李经理", due="11-17 10:15"
    )
    assert "李经理休假期间由王经理代为服务" in text


def test_the_english_cover_ack_says_who_covers_for_whom(renderer):
    ack = Notice(
        "r1",
        R1,
        NoticeKind.ACK,
        "en",
        {"ticket": 3, "manager": "Wang", "covering_for": "Li", "due": DUE.isoformat()},
    )

    assert renderer.text(ack) == (
        "Got your question (ticket #3). Wang is covering for Li and will answer by 11-17 10:15."
    )


def test_an_ack_without_a_promise_shows_a_dash(renderer):
    ack = Notice("r1", R1, NoticeKind.ACK, "en", {"ticket": 3, "manager": "Li", "due": None})

    assert renderer.text(ack).endswith("will answer by -.")


def test_the_eta_is_shown_in_local_time(renderer):
    eta = Notice("r1", R1, NoticeKind.ETA, "zh", {"manager": "李经理", "eta": DUE.isoformat()})

    assert renderer.text(eta) == "李经理正在处理您的问题，预计 11-17 10:15 前答复您。"


def test_a_reminder_says_how_long_the_retailer_has_waited(renderer):
    reminder = to_m1(
        NoticeKind.REMINDER,
        ticket=1,
        retailer="张三",
        shop="张三烟酒店",
        waited=900,
        question="在吗",
    )

    assert "已等待 15 分钟" in renderer.text(reminder)


def test_an_escalation_lists_who_was_already_notified(renderer):
    escalation = to_m1(
        NoticeKind.ESCALATION,
        "en",
        ticket=1,
        step=2,
        retailer="Zhang",
        shop="Zhang's",
        manager="Li",
        waited=1800,
        question="When?",
        notified=["Li", "Wang"],
    )

    text = renderer.text(escalation)

    assert "Already notified: Li、Wang" in text
    assert "waiting 30 min" in text
    assert "Question:\nWhen?" in text


@pytest.mark.parametrize(
    ("lang", "nobody"), [("zh", "已通知：无"), ("en", "Already notified: nobody")]
)
def test_an_escalation_with_nobody_notified_says_so(renderer, lang, nobody):
    escalation = to_m1(
        NoticeKind.ESCALATION,
        lang,
        ticket=1,
        step=2,
        retailer="张三",
        shop="店",
        manager="李经理",
        waited=60,
        question="?",
        notified=[],
    )

    assert nobody in renderer.text(escalation)


@pytest.mark.parametrize(
    ("lang", "labels"), [("zh", ["🙋 处理中", "✅ 已解决"]), ("en", ["🙋 On it", "✅ Resolve"])]
)
def test_buttons_are_labelled_in_the_recipients_language(renderer, lang, labels):
    question = Notice(
        "m1",
        M1,
        NoticeKind.QUESTION,
        lang,
        {"ticket": 7, "retailer": "张三", "shop": "店", "text": "?", "content": "text"},
        ticket_id=7,
        buttons=ticket_buttons(7),
    )

    out = renderer.render(question)

    assert isinstance(out, TextOut)
    assert out.markup is not None
    (row,) = out.markup["inline_keyboard"]
    assert [b["text"] for b in row] == labels
    assert [b["callback_data"] for b in row] == ["on:7", "res:7"]


def test_a_notice_without_buttons_has_no_keyboard(renderer):
    out = renderer.render(
        Notice("r1", R1, NoticeKind.ANSWER, "zh", {"staff": "李经理", "text": "好"})
    )

    assert out == TextOut("李经理：好", None)


def question_about(content: Content, lang: str = "zh") -> Notice:
    """Return the question notice the desk posts for some content from r1."""
    params = {
        "ticket": 1,
        "retailer": "张三",
        "shop": "张三烟酒店",
        "text": content.text,
        "content": content.kind.value,
    }
    return Notice(
        "m1",
        M1,
        NoticeKind.QUESTION,
        lang,
        params,
        ticket_id=1,
        copy_of=content if content.is_media else None,
        buttons=ticket_buttons(1),
    )


def test_media_is_copied_with_the_header_as_its_caption(renderer):
    photo = Content(ContentKind.PHOTO, "货架这样摆可以吗？", R1, str(31))

    out = renderer.render(question_about(photo))

    assert isinstance(out, CopyOut)
    assert (out.from_chat_id, out.message_id) == (9001, 31)
    assert out.caption is not None
    assert "[图片] 货架这样摆可以吗？" in out.caption
    assert out.markup is not None


def test_a_long_caption_is_cut_to_telegrams_limit(renderer):
    photo = Content(ContentKind.PHOTO, "字" * 2000, R1, str(31))

    out = renderer.render(question_about(photo))

    assert isinstance(out, CopyOut)
    assert out.caption is not None
    # Telegram counts UTF-16 units, and the header's emoji takes two of them.
    assert units(out.caption) == MAX_CAPTION
    assert out.caption.endswith("…")


def test_a_long_text_is_cut_to_telegrams_limit(renderer):
    out = renderer.render(
        Notice("r1", R1, NoticeKind.ANSWER, "zh", {"staff": "李", "text": "字" * 5000})
    )

    assert isinstance(out, TextOut)
    assert len(out.text) == MAX_TEXT


def test_a_location_goes_as_text_with_its_coordinates(renderer):
    where = Content(ContentKind.LOCATION, "📍 31.23040, 121.47370", R1, str(55))

    out = renderer.render(question_about(where, "en"))

    assert isinstance(out, TextOut)
    assert "📍 31.23040, 121.47370" in out.text
    assert "[location]" in out.text
    assert out.markup is not None


def test_a_locations_coordinates_are_shown_once(renderer):
    where = Content(ContentKind.LOCATION, "📍 31.23040, 121.47370", R1, str(55))

    out = renderer.render(question_about(where))

    assert isinstance(out, TextOut)
    assert out.text.count("31.23040, 121.47370") == 1


def test_a_repeated_delivery_is_marked_as_a_repeat(renderer):
    answer = Notice("r1", R1, NoticeKind.ANSWER, "en", {"staff": "Li", "text": "Thursday"})

    out = renderer.render(answer, repeat=True)

    assert out == TextOut("(repeat) Li: Thursday")


def test_an_attachment_is_uploaded_with_its_caption(renderer):
    chart = Attachment("week.png", b"\x89PNG", as_photo=True)
    report = Notice(
        "s1",
        Address("telegram", "7001"),
        NoticeKind.REPORT,
        "zh",
        {"text": "周报"},
        attachment=chart,
    )

    assert renderer.render(report) == FileOut(chart, "周报")


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_a_claim_on_a_linked_retailer_reaches_the_manager_with_the_move_button(
    desk, store, renderer, lang
):
    store.add_retailer(replace(store.retailers["r1"], lang=lang))
    store.staff_langs["m1"] = lang
    await desk.share_contact(
        ShareContact(Address("telegram", "9100"), "8613800138001", "9100", "9100")
    )

    tried, claimed = (renderer.render(n) for n in store.posted)
    assert isinstance(tried, TextOut) and "李经理" in tried.text and "张三" in tried.text
    assert isinstance(claimed, TextOut) and "张三" in claimed.text and "张三烟酒店" in claimed.text
    assert claimed.markup is not None
    (button,) = claimed.markup["inline_keyboard"][0]
    assert button["callback_data"] == "lnk:9100"
    assert button["text"] == ("🔁 改绑到新账号" if lang == "zh" else "🔁 Move to the new account")


# Orders, complaints and ratings: dates in the desk's zone, words in the reader's language.


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


STEERED = {
    "ticket": 1,
    "retailer": "张三",
    "shop": "张三烟酒店",
    "waited": 20 * 60,
    "question": "中华烟什么时候到货？",
    "supervisor": "陈主任",
    "previous": "李经理",
    "manager": "王经理",
    "reason": "在外地",
}


@pytest.mark.parametrize(
    ("kind", "lang", "expected"),
    [
        (
            NoticeKind.NUDGE,
            "zh",
            "🔔 陈主任请您现在就答复工单 #1 · 张三（张三烟酒店），已等待 20 分钟。\n"
            "中华烟什么时候到货？\n\n↩️ 回复本消息即可答复零售户。",
        ),
        (
            NoticeKind.REASSIGNED,
            "en",
            "🔀 陈主任 handed ticket #1 · 张三 (张三烟酒店) to you (it was with 李经理; "
            "reason: 在外地); it has waited 20 min.\n中华烟什么时候到货？\n\n"
            "↩️ Reply to this message to answer the retailer.",
        ),
        (
            NoticeKind.REASSIGNED_AWAY,
            "zh",
            "🔀 陈主任已把工单 #1 · 张三（张三烟酒店）转给王经理处理。原因：在外地。"
            "这个工单的提醒不会再发给您。",
        ),
        (
            NoticeKind.MANAGER_CHANGED,
            "en",
            "Your question (ticket #1) is now with 王经理, who will answer you here.",
        ),
    ],
)
def test_a_supervisors_steer_reads_in_each_language(renderer, kind, lang, expected):
    notice = replace(to_m1(kind, lang, **STEERED), buttons=ticket_buttons(1))

    out = renderer.render(notice)

    assert isinstance(out, TextOut)
    assert out.text == expected
    assert out.markup is not None
    assert [b["callback_data"] for b in out.markup["inline_keyboard"][0]] == ["on:1", "res:1"]
