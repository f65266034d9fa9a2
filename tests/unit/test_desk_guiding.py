"""The library suggests entries to a waiting retailer and grows from approved answers."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from desk.commands import Answer, Ask, Outcome
from desk.content import Content, ContentKind
from desk.guide import (
    ANSWERS_TOPIC,
    DraftState,
    Entry,
    GuideDraft,
    Library,
    Topic,
    grams,
    mentions,
)
from desk.guiding import Decide, SaveDraft, language_of
from desk.notices import NoticeKind
from desk.people import Address
from desk.service import Desk
from desk.shelf import Shelf

R1 = Address("telegram", "9001")
M1 = Address("telegram", "5001")


def entry(entry_id: str, topic: str, *keywords: str, title: str = "") -> Entry:
    return Entry(entry_id, topic, {"zh": title or entry_id}, {"zh": "……"}, keywords)


LIBRARY = Library(
    (Topic("storage", {"zh": "储存", "en": "Storage"}), Topic("display", {"zh": "陈列"})),
    (
        entry("storage.climate", "storage", "受潮", "湿度", "humidity", title="温湿度"),
        entry("storage.stock", "storage", "库存", "受潮", title="库存"),
        entry("display.eye", "display", "陈列", "display", title="视线高度"),
        entry("display.tags", "display", "价签", title="价签"),
    ),
)


def test_entries_with_more_keywords_in_the_question_come_first():
    found = LIBRARY.suggest("烟受潮了，湿度太高怎么办？")
    assert [e.id for e in found] == ["storage.climate", "storage.stock"]


def test_no_keyword_no_suggestion():
    assert LIBRARY.suggest("软中华还有货吗？") == []


def test_at_most_three_entries_are_suggested():
    crowded = LIBRARY.with_entries(entry(f"x{i}", "display", "烟") for i in range(5))
    assert len(crowded.suggest("烟")) == 3


@pytest.mark.parametrize(
    ("text", "keyword", "found"),
    [
        ("how should i display it", "display", True),
        ("new displays arrived", "display", True),
        ("my displayer broke", "display", False),
        ("the package is torn", "age", False),
        ("烟柜陈列问题", "陈列", True),
    ],
)
def test_english_keywords_match_whole_words_chinese_anywhere(text, keyword, found):
    assert mentions(text, keyword) is found


def test_chinese_is_compared_by_character_pairs():
    assert grams("受潮了") == {"受潮", "潮了"}
    assert grams("Humid room") == {"humid", "room"}


def test_a_saved_answer_fits_a_question_in_mostly_the_same_words():
    saved = Entry("d1", ANSWERS_TOPIC, {"zh": "q"}, {"zh": "a"}, sample="烟放久了发霉怎么处理")
    library = Library().with_entries([saved])

    assert library.suggest("烟发霉了怎么处理") == [saved]
    assert library.suggest("明天几点送货") == []
    assert [t.key for t in library.topics] == [ANSWERS_TOPIC]


def test_titles_and_texts_fall_back_to_chinese():
    bilingual = Entry("e", "t", {"zh": "标题", "en": "Title"}, {"zh": "正文"})
    assert (bilingual.title("en"), bilingual.text("en")) == ("Title", "正文")


@pytest.fixture
def with_library(ctx, store) -> Desk:
    """Return a desk whose library is LIBRARY."""
    return Desk(replace(ctx, guide=Shelf(LIBRARY)))


async def test_a_question_gets_suggestions_once_per_round(with_library, store, clock):
    desk = with_library
    await desk.ask(Ask(R1, Content(ContentKind.TEXT, "烟受潮了", Address("telegram", "9001"), "1")))

    assert await desk.suggest(R1, "烟受潮了") == 2
    assert await desk.suggest(R1, "湿度也高") == 0
    (shown,) = store.posted_to("r1", NoticeKind.GUIDE_SUGGEST)
    assert shown.params["items"] == "① 温湿度\n② 库存"
    assert shown.params["manager"] == "李经理"
    assert [b.data for b in shown.buttons] == ["gd:e:storage.climate", "gd:e:storage.stock"]
    # The question went to the manager all the same, with its clock running.
    assert store.posted_to("m1", NoticeKind.QUESTION)
    assert store.tickets[1].next_due_at == clock.now() + timedelta(minutes=15)


async def test_a_new_round_may_be_shown_suggestions_again(with_library, store, clock):
    desk = with_library
    await desk.ask(Ask(R1, Content(ContentKind.TEXT, "烟受潮了", Address("telegram", "9001"), "1")))
    await desk.suggest(R1, "烟受潮了")
    (question,) = store.posted_to("m1", NoticeKind.QUESTION)
    await desk.answer(Answer("m1", M1, store.message_id_of(question), said("放干燥处")))
    clock.advance(minutes=1)
    await desk.ask(Ask(R1, Content(ContentKind.TEXT, "怎么陈列", Address("telegram", "9001"), "2")))

    assert await desk.suggest(R1, "怎么陈列") == 1


async def test_no_suggestion_without_an_open_ticket(with_library, store):
    assert await with_library.suggest(R1, "烟受潮了") == 0
    assert store.posted == []


def said(text: str, message_id: int = 7) -> Content:
    return Content(ContentKind.TEXT, text, M1, str(message_id))


async def answered(desk: Desk, store) -> None:
    await desk.ask(
        Ask(R1, Content(ContentKind.TEXT, "烟放久了发霉怎么处理", Address("telegram", "9001"), "1"))
    )
    (question,) = store.posted_to("m1", NoticeKind.QUESTION)
    reply = Answer("m1", M1, store.message_id_of(question), said("发霉的不能卖，联系我退换。"))
    await desk.answer(reply)


async def test_saving_an_answer_sends_a_draft_to_the_supervisor(desk, store):
    await answered(desk, store)

    assert await desk.save_draft(SaveDraft("m1", M1, "7")) is Outcome.DONE
    assert await desk.save_draft(SaveDraft("m1", M1, "7")) is Outcome.ALREADY_SAVED

    (draft,) = store.posted_to("s1", NoticeKind.GUIDE_DRAFT)
    assert draft.params["question"] == "烟放久了发霉怎么处理"
    assert draft.params["text"] == "发霉的不能卖，联系我退换。"
    assert draft.params["author"] == "李经理"
    assert [b.data for b in draft.buttons] == ["gdd:1:ok", "gdd:1:no"]
    assert store.drafts[1].lang == "zh"


async def test_only_ones_own_text_answer_can_be_saved(desk, store):
    await answered(desk, store)

    assert await desk.save_draft(SaveDraft("m2", M1, "7")) is Outcome.NOT_AN_ANSWER
    assert await desk.save_draft(SaveDraft("m1", M1, "8")) is Outcome.NOT_AN_ANSWER
    assert await desk.save_draft(SaveDraft("m1", R1, "1")) is Outcome.NOT_AN_ANSWER
    assert store.drafts == {}


async def test_an_approved_answer_joins_the_library(desk, store):
    await answered(desk, store)
    await desk.save_draft(SaveDraft("m1", M1, "7"))

    reworded = "发霉的烟怎么处理？"
    assert await desk.decide_draft(Decide("m1", 1, True, question=reworded)) is Outcome.NOT_YOURS
    assert await desk.decide_draft(Decide("s1", 1, True, question=reworded)) is Outcome.DONE
    assert await desk.decide_draft(Decide("s1", 1, approve=False)) is Outcome.DECIDED

    library = await desk.library()
    (added,) = library.in_topic(ANSWERS_TOPIC)
    assert added.title("zh") == reworded
    assert added.text("zh") == "发霉的不能卖，联系我退换。"
    assert library.suggest("烟发霉了怎么处理") == [added]
    (told,) = store.posted_to("m1", NoticeKind.GUIDE_ADDED)
    assert told.params["draft"] == 1


async def test_a_retailer_s_question_is_never_approved_word_for_word(desk, store):
    await answered(desk, store)
    await desk.save_draft(SaveDraft("m1", M1, "7"))
    asked = store.drafts[1].question

    assert await desk.decide_draft(Decide("s1", 1, approve=True)) is Outcome.NEEDS_WORDING
    as_asked = Decide("s1", 1, True, question=f" {asked} ")
    assert await desk.decide_draft(as_asked) is Outcome.NEEDS_WORDING
    admin = Decide("admin", 1, approve=True, admin=True)
    assert await desk.decide_draft(admin) is Outcome.NEEDS_WORDING

    assert store.drafts[1].state is DraftState.DRAFT
    assert (await desk.library()).in_topic(ANSWERS_TOPIC) == []


async def test_a_rejected_draft_stays_out_and_the_admin_may_decide_too(desk, store):
    await answered(desk, store)
    await desk.save_draft(SaveDraft("m1", M1, "7"))

    assert await desk.decide_draft(Decide("admin", 1, approve=False, admin=True)) is Outcome.DONE
    assert store.drafts[1].state is DraftState.REJECTED
    assert (await desk.library()).entries == ()
    assert await desk.decide_draft(Decide("s1", 2, approve=True)) is Outcome.NO_ENTRY


async def test_the_shelf_rereads_approvals_made_elsewhere_after_a_while(store, clock):
    shelf = Shelf(LIBRARY)
    assert len((await shelf.current(store, clock.now())).entries) == 4
    store.drafts[1] = _approved_draft(clock)

    assert len((await shelf.current(store, clock.now())).entries) == 4
    later = clock.advance(minutes=1)
    assert len((await shelf.current(store, later)).entries) == 5


def _approved_draft(clock):
    return GuideDraft(
        1, 1, "m1", "问", "答", "zh", clock.now(), "telegram", "5001", "7", DraftState.APPROVED
    )


@pytest.mark.parametrize(("text", "lang"), [("怎么办 OK", "zh"), ("How are you", "en")])
def test_a_drafts_language_is_guessed_from_its_text(text, lang):
    assert language_of(text) == lang
