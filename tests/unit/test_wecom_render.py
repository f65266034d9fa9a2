"""Notices as 微信客服 and WeCom app messages: byte cuts, msgmenus, cards and media."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from desk.content import Content, ContentKind
from desk.notices import Attachment, Button, Notice, NoticeKind
from desk.people import Address
from handlers.wecom.render import (
    MAX_CARD_TEXT,
    MAX_TEXT_BYTES,
    Card,
    Media,
    Menu,
    Renderer,
    Text,
    Upload,
    card_key,
    cut,
)

RETAILER = Address("wechat", "wmCustomer1")
MANAGER = Address("wecom", "LiJingLi")
RENDERER = Renderer(ZoneInfo("Asia/Shanghai"))


def question(text: str, lang: str = "zh") -> Notice:
    params = {"ticket": 12, "retailer": "张三", "shop": "张三烟酒店", "text": text}
    buttons = (Button("button.on_it", "on:12"), Button("button.resolve", "res:12"))
    return Notice("m1", MANAGER, NoticeKind.QUESTION, lang, params, 12, buttons=buttons)


@given(st.text(min_size=0, max_size=1500))
def test_a_cut_text_fits_its_bytes_and_is_whole_characters(text):
    kept = cut(text, 100)
    assert len(kept.encode()) <= 100
    assert kept == text or (kept.endswith("…") and text.startswith(kept[:-1]))


def test_a_long_answer_to_a_retailer_is_cut_to_2048_bytes_between_characters():
    long = "软中华有货" * 500  # 7,500 bytes
    notice = Notice("r1", RETAILER, NoticeKind.ANSWER, "zh", {"staff": "王经理", "text": long}, 3)

    (part,) = RENDERER.for_retailer(notice)

    assert isinstance(part, Text)
    assert len(part.content.encode()) <= MAX_TEXT_BYTES
    assert part.content.startswith("王经理：软中华有货")
    assert part.content.endswith("…")
    part.content.encode().decode()  # whole characters only


def test_a_choice_for_a_retailer_is_a_msgmenu_whose_taps_carry_the_button_data():
    buttons = tuple(Button(f"button.rate{s}", f"rate:3:{s}") for s in range(1, 6))
    notice = Notice(
        "r1",
        RETAILER,
        NoticeKind.RATE_ASK,
        "en",
        {"ticket": 3, "manager": "Li"},
        3,
        buttons=buttons,
    )

    (menu,) = RENDERER.for_retailer(notice)

    assert isinstance(menu, Menu)
    assert menu.head.startswith("Ticket #3 was handled by Li")
    assert menu.choices[0] == ("rate:3:1", "1⭐")
    assert [choice_id for choice_id, _ in menu.choices] == [f"rate:3:{s}" for s in range(1, 6)]


def test_a_question_for_staff_is_a_card_with_on_it_resolve_and_reply():
    (card,) = RENDERER.for_staff(question("软中华还有货吗？"))

    assert isinstance(card, Card)
    assert card.title == "🆕 工单 #12 · 张三（张三烟酒店）"[: len(card.title)]
    assert "软中华还有货吗？" in card.text
    assert [key for key, _ in card.buttons] == ["ok:12", "done:12", "reply:12"]
    body = card.body("rd7")
    assert body["card_type"] == "button_interaction"
    assert body["task_id"] == "rd7"
    assert [b["key"] for b in body["button_list"]] == ["ok:12", "done:12", "reply:12"]


def test_a_long_question_goes_whole_as_text_before_its_card():
    text = "明早想订两条软中华，" * 30
    first, card = RENDERER.for_staff(question(text))

    assert isinstance(first, Text)
    assert text in first.content
    assert isinstance(card, Card)
    assert len(card.text) <= MAX_CARD_TEXT


def test_card_keys_map_the_desks_buttons_and_keep_the_rest():
    assert card_key("on:5") == "ok:5"
    assert card_key("res:5") == "done:5"
    assert card_key("sup:9:f") == "sup:9:f"
    assert card_key("cancel") == "cancel"


def test_a_staff_notice_without_buttons_is_plain_text():
    notice = Notice("m1", MANAGER, NoticeKind.GUIDE_ADDED, "zh", {"draft": 4, "question": "q"})

    (part,) = RENDERER.for_staff(notice)

    assert isinstance(part, Text)


def test_media_from_the_same_corp_goes_by_its_media_id_after_the_text():
    photo = Content(ContentKind.PHOTO, "", Address("wecom", "WangJingLi"), "m9", file="MEDIA-1")
    params = {"staff": "王经理", "text": "", "content": "photo"}
    notice = Notice("r1", RETAILER, NoticeKind.ANSWER, "zh", params, 3, copy_of=photo)

    text, media = RENDERER.for_retailer(notice)

    assert isinstance(text, Text) and "王经理" in text.content
    assert media == Media("image", "MEDIA-1")


def test_media_from_another_channel_is_named_in_the_text_only():
    photo = Content(ContentKind.PHOTO, "", Address("telegram", "5002"), "77", file="AgAD")
    params = {"staff": "王经理", "text": "", "content": "photo"}
    notice = Notice("r1", RETAILER, NoticeKind.ANSWER, "zh", params, 3, copy_of=photo)

    (text,) = RENDERER.for_retailer(notice)

    assert isinstance(text, Text)


def test_a_chart_for_a_supervisor_is_uploaded_after_its_caption():
    chart = Attachment("week.png", b"\x89PNG", as_photo=True)
    notice = Notice("s1", MANAGER, NoticeKind.REPORT, "zh", {"text": "第 47 周"}, attachment=chart)

    caption, upload = RENDERER.for_staff(notice)

    assert caption == Text("第 47 周")
    assert upload == Upload("image", chart)


def test_a_repeat_says_so():
    notice = Notice("r1", RETAILER, NoticeKind.ANSWER, "en", {"staff": "Li", "text": "yes"}, 3)

    (part,) = RENDERER.for_retailer(notice, repeat=True)

    assert isinstance(part, Text) and part.content == "(repeat) Li: yes"


def test_a_pick_button_is_labelled_with_its_ticket_and_keeps_its_key():
    buttons = (Button("button.pick", "pick:12"), Button("button.pick", "pick:15"))
    notice = Notice(
        "m1", MANAGER, NoticeKind.GUIDE_ADDED, "zh", {"draft": 1, "question": "q"}, buttons=buttons
    )

    (card,) = RENDERER.for_staff(notice)

    assert isinstance(card, Card)
    assert card.buttons == (("pick:12", "#12"), ("pick:15", "#15"))


def test_staff_on_wecom_are_told_to_press_reply_or_write_the_ticket_number():
    zh, en = RENDERER.text(question("有货吗？")), RENDERER.text(question("in stock?", lang="en"))

    assert "#12 答复内容" in zh and "回复本消息" not in zh
    assert "#12 your answer" in en and "Reply to this message" not in en


def steered(kind: NoticeKind, lang: str = "zh") -> Notice:
    params = {
        "ticket": 12,
        "retailer": "张三",
        "shop": "张三烟酒店",
        "waited": 1500,
        "question": "软中华还有货吗？",
        "supervisor": "陈主任",
        "previous": "李经理",
        "manager": "王经理",
        "reason": "在外地",
    }
    buttons = (Button("button.on_it", "on:12"), Button("button.resolve", "res:12"))
    return Notice("m2", MANAGER, kind, lang, params, 12, buttons=buttons)


def test_a_nudged_or_reassigned_ticket_is_a_card_answered_by_reply_or_number():
    for kind in (NoticeKind.NUDGE, NoticeKind.REASSIGNED):
        for lang in ("zh", "en"):
            parts = RENDERER.for_staff(steered(kind, lang))

            card = parts[-1]
            assert isinstance(card, Card)
            assert [key for key, _ in card.buttons] == ["ok:12", "done:12", "reply:12"]
            whole = "\n".join(p.content for p in parts if isinstance(p, Text)) or card.text
            assert "#12" in whole and "软中华还有货吗？" in whole
            # No "reply to this message" on a channel that has no replies.
            assert "回复本消息" not in whole and "Reply to this message" not in whole


def test_a_retailer_on_wechat_is_told_who_now_handles_their_question():
    notice = Notice(
        "r1", RETAILER, NoticeKind.MANAGER_CHANGED, "zh", {"ticket": 12, "manager": "王经理"}, 12
    )

    (part,) = RENDERER.for_retailer(notice)

    assert part == Text("您的问题（工单 #12）现在由王经理负责，会在这里答复您。")
