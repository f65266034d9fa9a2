"""Who reads which language: a pick with /lang wins over the chat app's language."""

from __future__ import annotations

from dataclasses import replace

import pytest

from desk.commands import Ask, Outcome
from desk.content import Content, ContentKind
from desk.notices import NoticeKind
from desk.people import Address
from desk.service import Desk
from tests.unit.conftest import make_team

R1 = Address("telegram", "9001")
M1 = Address("telegram", "5001")


async def test_a_retailer_follows_the_app_until_they_pick(desk, store):
    assert await desk.follow_app_lang(R1, "en") is True
    assert await desk.follow_app_lang(R1, "en") is False
    assert (store.retailers["r1"].lang, store.retailers["r1"].lang_chosen) == ("en", False)

    assert await desk.choose_lang(R1, "zh") is Outcome.DONE
    assert await desk.follow_app_lang(R1, "en") is False
    assert (store.retailers["r1"].lang, store.retailers["r1"].lang_chosen) == ("zh", True)


async def test_the_acknowledgement_comes_in_the_picked_language(desk, store):
    await desk.choose_lang(R1, "en")
    await desk.ask(Ask(R1, Content(ContentKind.TEXT, "hello", Address("telegram", "9001"), "1")))

    (ack,) = store.posted_to("r1", NoticeKind.ACK)
    assert ack.lang == "en"


async def test_a_staff_member_switches_at_once_on_every_worker(desk, store, ctx):
    other_worker = Desk(replace(ctx, team=make_team()))  # its own copy of the config

    assert await desk.choose_lang(M1, "en") is Outcome.DONE

    assert store.staff_langs == {"m1": "en"}
    assert ctx.team.managers["m1"].lang == "zh"  # the config is left as it is
    for worker in (desk, other_worker):
        someone = await worker.who(M1)
        assert someone.staff is not None
        assert someone.staff.lang == "en"
    await other_worker.ask(
        Ask(R1, Content(ContentKind.TEXT, "有货吗", Address("telegram", "9001"), "1"))
    )
    (question,) = store.posted_to("m1", NoticeKind.QUESTION)
    assert question.lang == "en"


async def test_a_manager_in_english_gets_questions_in_english(desk, store):
    await desk.choose_lang(M1, "en")
    await desk.ask(Ask(R1, Content(ContentKind.TEXT, "有货吗", Address("telegram", "9001"), "1")))

    (question,) = store.posted_to("m1", NoticeKind.QUESTION)
    assert question.lang == "en"


async def test_only_the_two_catalog_languages_and_known_chats(desk, store):
    with pytest.raises(ValueError, match="no catalog for language 'fr'"):
        await desk.choose_lang(R1, "fr")
    assert await desk.choose_lang(Address("telegram", "1"), "en") is Outcome.UNKNOWN_SENDER
    assert await desk.follow_app_lang(Address("telegram", "1"), "en") is False
    assert store.retailers["r1"].lang == "zh"
