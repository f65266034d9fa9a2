"""The "/" menu: retailers' commands for everyone, each staff member's own in their chat."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

from telegram.ext import ApplicationBuilder, CommandHandler

from handlers.telegram import menus
from handlers.telegram.router import install
from handlers.telegram.texts import say
from tests.handlers.botapi import TOKEN
from tests.handlers.conftest import M1, S1, Chats

README = Path(__file__).resolve().parents[2] / "README.md"


def commands_in(call) -> list[str]:
    """Return the command names a setMyCommands call set."""
    listed = call.params["commands"]
    listed = json.loads(listed) if isinstance(listed, str) else listed
    return [c["command"] for c in listed]


def scope_of(call) -> dict:
    """Return the scope of a setMyCommands call, the default one when none is given."""
    scope = call.params.get("scope") or {"type": "default"}
    return json.loads(scope) if isinstance(scope, str) else scope


async def test_everyone_sees_the_retailers_menu_and_staff_their_own(chats: Chats, desk):
    team = desk.ctx.team
    staff = [*team.managers.values(), *team.supervisors.values()]
    staff[0] = replace(staff[0], lang="en")  # m1 picked English

    await menus.publish(chats.application.bot, team, staff)

    menus_set = chats.api.called("setMyCommands")
    default = [c for c in menus_set if scope_of(c) == {"type": "default"}]
    assert [(c.params.get("language_code"), commands_in(c)) for c in default] == [
        (None, list(menus.RETAILER)),
        ("en", list(menus.RETAILER)),
    ]
    own = {scope_of(c).get("chat_id"): c for c in menus_set if scope_of(c)["type"] == "chat"}
    assert commands_in(own[M1]) == list(menus.MANAGER)
    assert commands_in(own[S1]) == list(menus.SUPERVISOR)
    m1_menu = own[M1].params["commands"]
    assert say("en", "command.queue") in json.dumps(m1_menu, ensure_ascii=False)
    descriptions = chats.api.called("setMyDescription")
    assert [c.params.get("language_code") for c in descriptions] == [None, "en"]
    assert "分享手机号" in descriptions[0].params["description"]


def test_the_menus_the_handlers_and_the_readme_name_the_same_commands():
    application = ApplicationBuilder().token(TOKEN).updater(None).build()
    install(application)
    handled = {
        name
        for handler in application.handlers[0]
        if isinstance(handler, CommandHandler)
        for name in handler.commands
    }
    menu = {*menus.RETAILER, *menus.MANAGER, *menus.SUPERVISOR}
    # /help is /start under its other name, left out of the menu so it is not listed twice.
    assert handled - {"help"} == menu

    rows = {
        role: row
        for line in README.read_text(encoding="utf-8").splitlines()
        for role in ("retailer", "manager", "supervisor")
        if (row := line.removeprefix(f"| {role} |")) != line
    }
    for role, listed in (
        ("retailer", menus.RETAILER),
        ("manager", menus.MANAGER),
        ("supervisor", menus.SUPERVISOR),
    ):
        named = set(re.findall(r"`/([a-z]+)", rows[role])) - {"foobar"}
        assert named == set(listed), role
