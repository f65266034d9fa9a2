"""A chatty retailer: every message is kept, the manager hears once per period, not per message."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from desk.commands import Answer, Ask
from desk.content import Content, ContentKind
from desk.flood import TEXT_BUDGET, FloodPolicy, Hold, Merge, plan, split, units
from desk.notices import Notice, NoticeKind, Queued
from desk.people import Address
from handlers.telegram.render import MAX_CAPTION, MAX_TEXT, CopyOut, Renderer, TextOut

R1 = Address("telegram", "9001")
M1 = Address("telegram", "5001")
EVERY = FloodPolicy().notify_every


def said(text: str, message_id: int = 1) -> Content:
    """Return a text message from r1's chat."""
    return Content(ContentKind.TEXT, text, R1, str(message_id))


def to_manager(store) -> list[Notice]:
    return store.posted_to("m1")


def manager_sees(store) -> str:
    """Return everything the manager's notifications say, rendered as Telegram shows it."""
    renderer = Renderer(ZoneInfo("Asia/Shanghai"))
    shown = []
    for notice in to_manager(store):
        out = renderer.render(notice)
        shown.append(out.text if isinstance(out, TextOut) else (out.caption or ""))
    return "\n".join(shown)


async def test_dozens_of_messages_a_minute_make_a_handful_of_notifications(desk, store, clock):
    texts = [f"第{n}条：烟到了吗" for n in range(30)]
    delivered = 0
    for n, text in enumerate(texts):
        await desk.ask(Ask(R1, said(text, n + 1)))
        # The sender delivers whatever is due as time passes, two seconds per message.
        delivered += len(store.deliver_all(until=clock.now()))
        clock.advance(seconds=2)
    clock.advance(seconds=EVERY.total_seconds())
    store.deliver_all(until=clock.now())

    notices = to_manager(store)
    kinds = [n.kind for n in notices]
    assert kinds[0] is NoticeKind.QUESTION
    # One minute of chatter: the question, then at most one batch per 30 seconds.
    assert len(notices) <= 1 + 60 // EVERY.total_seconds() + 1
    assert len(store.messages) == 30, "every message is kept"
    seen = manager_sees(store)
    assert all(text in seen for text in texts), "every message reaches the manager"
    assert [n.kind for n in store.posted_to("r1")] == [NoticeKind.ACK, NoticeKind.SLOW_DOWN]


async def test_messages_while_a_batch_waits_join_it(desk, store, clock):
    await desk.ask(Ask(R1, said("在吗？", 1)))
    store.deliver_all(until=clock.now())
    clock.advance(seconds=5)

    for n, text in enumerate(["要软中华", "两条", "明天送"]):
        await desk.ask(Ask(R1, said(text, n + 2)))
        clock.advance(seconds=1)

    question, batch = to_manager(store)
    assert question.kind is NoticeKind.QUESTION
    assert batch.kind is NoticeKind.FOLLOWUP
    assert batch.params["count"] == 3
    assert batch.params["text"] == "• 要软中华\n• 两条\n• 明天送"
    assert store.outbox[-1].not_before == store.outbox[1].not_before + EVERY
    rendered = Renderer(ZoneInfo("Asia/Shanghai")).render(batch)
    assert isinstance(rendered, TextOut)
    assert rendered.text.startswith("➕ 工单 #1 · 张三（张三烟酒店）又发来 3 条消息：")
    assert rendered.markup is not None, "the batch still carries the ticket's buttons"


async def test_a_photo_in_a_busy_minute_goes_out_with_the_batch(desk, store, clock):
    await desk.ask(Ask(R1, said("看货架", 1)))
    store.deliver_all(until=clock.now())
    clock.advance(seconds=3)
    await desk.ask(Ask(R1, said("这样摆", 2)))
    photo = Content(ContentKind.PHOTO, "", R1, str(3))

    await desk.ask(Ask(R1, photo))

    _, batch, copied = store.outbox[-3:]
    assert batch.notice.params["text"] == "这样摆"
    assert copied.notice.copy_of == photo
    assert copied.not_before == batch.not_before


async def test_a_follow_up_after_a_quiet_spell_goes_out_at_once(desk, store, clock):
    await desk.ask(Ask(R1, said("在吗？", 1)))
    store.deliver_all(until=clock.now())
    clock.advance(minutes=2)

    await desk.ask(Ask(R1, said("还有个问题", 2)))

    followup = store.outbox[-1]
    assert followup.notice.kind is NoticeKind.FOLLOWUP
    assert followup.not_before == clock.now()


async def test_a_batch_the_sender_already_took_is_not_rewritten(desk, store, clock):
    await desk.ask(Ask(R1, said("在吗？", 1)))
    store.deliver_all(until=clock.now())
    clock.advance(seconds=2)
    await desk.ask(Ask(R1, said("第二条", 2)))
    batch_due = store.outbox[-1].not_before
    clock.set(batch_due)
    store.deliver_all(until=clock.now())
    clock.advance(seconds=1)

    await desk.ask(Ask(R1, said("第三条", 3)))

    assert store.outbox[-2].notice.params["text"] == "第二条"
    assert store.outbox[-1].notice.params["text"] == "第三条"
    assert store.outbox[-1].not_before == batch_due + EVERY


async def test_the_first_message_after_an_answer_goes_out_at_once(desk, store, clock):
    await desk.ask(Ask(R1, said("在吗？", 1)))
    (question,) = to_manager(store)
    clock.advance(seconds=5)
    reply = Content(ContentKind.TEXT, "在的", M1, str(50))
    await desk.answer(Answer("m1", M1, store.message_id_of(question), reply))
    clock.advance(seconds=5)

    await desk.ask(Ask(R1, said("那软中华呢？", 2)))

    assert store.outbox[-1].notice.kind is NoticeKind.FOLLOWUP
    assert store.outbox[-1].not_before == clock.now()


async def test_slow_down_is_said_once_per_round(desk, store, clock):
    for n in range(45):
        await desk.ask(Ask(R1, said(f"快点{n}", n + 1)))
        clock.advance(seconds=1)

    assert len(store.posted_to("r1", NoticeKind.SLOW_DOWN)) == 1
    (question,) = store.posted_to("m1", NoticeKind.QUESTION)
    reply = Content(ContentKind.TEXT, "马上", M1, str(99))
    await desk.answer(Answer("m1", M1, store.message_id_of(question), reply))
    for n in range(25):
        await desk.ask(Ask(R1, said(f"再问{n}", 100 + n)))

    told = store.posted_to("r1", NoticeKind.SLOW_DOWN)
    assert len(told) == 2
    assert told[0].params == {"ticket": 1, "manager": "李经理"}


async def test_a_steady_retailer_is_never_told_to_slow_down(desk, store, clock):
    for n in range(40):
        await desk.ask(Ask(R1, said(f"消息{n}", n + 1)))
        clock.advance(seconds=10)

    assert store.posted_to("r1", NoticeKind.SLOW_DOWN) == []


async def test_a_text_too_long_for_one_notification_comes_in_parts(desk, store, clock):
    text = "🚬" * 2000 + "字" * 1000  # 5000 UTF-16 units, past one Telegram message

    await desk.ask(Ask(R1, said(text)))

    parts = to_manager(store)
    assert [p.kind for p in parts] == [NoticeKind.QUESTION, NoticeKind.FOLLOWUP]
    assert "".join(p.params["text"] for p in parts) == text
    renderer = Renderer(ZoneInfo("Asia/Shanghai"))
    for part in parts:
        out = renderer.render(part)
        assert isinstance(out, TextOut)
        assert units(out.text) <= MAX_TEXT
        assert not out.text.endswith("…"), "nothing is cut"


def shown(notice: Notice) -> str:
    """Return what Telegram would show of a notice: its text or its caption."""
    out = Renderer(ZoneInfo("Asia/Shanghai")).render(notice)
    if isinstance(out, TextOut):
        assert units(out.text) <= MAX_TEXT
        return out.text
    assert isinstance(out, CopyOut) and out.caption is not None
    assert units(out.caption) <= MAX_CAPTION
    return out.caption


async def test_a_long_caption_reaches_the_manager_whole_after_its_photo(desk, store):
    caption = "说" * 1020 + "尾END"  # within Telegram's 1024, but not with the ticket header
    photo = Content(ContentKind.PHOTO, caption, R1, str(7))

    await desk.ask(Ask(R1, photo))

    first, *rest = to_manager(store)
    assert first.copy_of == photo and rest and all(p.copy_of is None for p in rest)
    assert "".join(p.params["text"] for p in [first, *rest]) == caption
    assert [p.params["content"] for p in [first, *rest]] == ["photo"] + ["text"] * len(rest)
    assert shown(rest[-1]).endswith("尾END"), "nothing is cut"


async def test_a_long_answer_reaches_the_retailer_whole(desk, store):
    await desk.ask(Ask(R1, said("在吗？", 1)))
    (question,) = to_manager(store)
    text = "答" * 4095 + "尾"  # a full Telegram message, before the manager's name is added
    reply = Content(ContentKind.TEXT, text, M1, str(50))

    await desk.answer(Answer("m1", M1, store.message_id_of(question), reply))

    parts = store.posted_to("r1", NoticeKind.ANSWER)
    assert len(parts) == 2
    assert "".join(p.params["text"] for p in parts) == text
    assert all(not shown(p).endswith("…") for p in parts)
    assert shown(parts[-1]).endswith("尾")


def test_an_emoji_heavy_answer_is_cut_in_utf16_units():
    text = "👍" * 4000
    out = Renderer(ZoneInfo("Asia/Shanghai")).render(
        Notice("r1", R1, NoticeKind.ANSWER, "zh", {"staff": "李", "text": text})
    )

    assert isinstance(out, TextOut)
    assert units(out.text) <= MAX_TEXT
    assert out.text.endswith("…")


@settings(max_examples=200, deadline=None, database=None, derandomize=True)
@given(st.text(max_size=9000), st.integers(min_value=2, max_value=4000))
def test_split_keeps_every_character_and_fits_the_budget(text, budget):
    parts = split(text, budget)

    assert "".join(parts) == text
    assert all(units(part) <= budget for part in parts)
    assert all(parts) or parts == [""]


def test_plan_merges_only_into_an_untried_text_batch():
    now = Notice("m1", M1, NoticeKind.FOLLOWUP, "zh", {"text": "再来一条"})
    policy = FloodPolicy()
    base = Queued(1, now, not_before=_at(0), untried=True)
    moment = _at(10)

    assert isinstance(plan(base, now, moment, policy), Merge)
    tried = Queued(1, now, not_before=_at(0), sent_at=_at(1))
    assert plan(tried, now, moment, policy) == Hold(_at(1) + policy.notify_every)
    question = Queued(1, Notice("m1", M1, NoticeKind.QUESTION, "zh", {"text": "?"}), _at(0))
    assert plan(question, now, moment, policy) == Hold(_at(0) + policy.notify_every)
    assert plan(question, now, _at(31), policy) == Hold(None)
    assert plan(None, now, moment, policy) == Hold(None)
    huge = Notice("m1", M1, NoticeKind.FOLLOWUP, "zh", {"text": "字" * TEXT_BUDGET})
    held = Queued(2, now, not_before=_at(20), untried=True)
    assert plan(held, huge, moment, policy) == Hold(_at(20)), "too big to merge: same moment"
    assert plan(base, huge, moment, policy) == Hold(None), "that batch is due already"


def _at(seconds: int) -> datetime:
    return datetime(2026, 11, 17, 2, 0, tzinfo=UTC) + timedelta(seconds=seconds)
