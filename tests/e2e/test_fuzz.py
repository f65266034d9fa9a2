"""Hostile or odd updates of every kind, through the real intake: getUpdates or the webhook.

Each generated update is made real in the stand-in first (so a reply or a quote finds its
message, as on Telegram), then arrives as Telegram delivers it: queued in the stand-in and
fetched by the poller, or posted to the webhook. The inbox stores it, the intake decodes and
groups it, the handlers act and the sender delivers what they queued. The bed drives those
loops one step at a time instead of running them on timers, so a step that raises is exactly
what the running loop would retry for ever: a stalled intake. After each update the test checks
that nothing failed and that only rows the sender had a right to touch changed; after each batch,
that an ordinary question from another retailer still reaches its manager, and that no manager
ever received anything a retailer said in a complaint.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from bot.app import RetailDesk, build, prepare
from bot.config import Settings
from bot.phones import DiallingPlan
from bot.web import webhook_app
from handlers.telegram.standin import Standin
from handlers.telegram.webhook import SECRET_HEADER
from tests.e2e.harness import ROSTER, desk_mapping

# A fixed sample in every run; the slow run draws 10,000 of each.
SAMPLE, SLOW = 30, 10_000
ROUTES = ["getUpdates", "webhook"]
SECRET = "fuzz-hook_secret"
# A retailer the fuzz never acts as: their ordinary question after each batch must still go.
BYSTANDER, BYSTANDERS_MANAGER = 9004, 5002
RETAILERS = {9001: "r1", 9002: "r2"}  # linked in the roster; r3 (phone ...0003) is not
STAFF = {5001: "m1", 5002: "m2", 7001: "s1"}
SUPERVISES = {"s1": {"m1", "m2"}}
PEOPLE = [9001, 9002, 9003, 5001, 5002, 7001, 6660001, 6660002]
GROUP, SUPERGROUP, CHANNEL = -4001, -1001234567890, -1009876543210
PHONES = ["13800000001", "+86 138 0000 0003", "13800000003", "13999999999", ""]
COMMANDS = ["/start", "/help", "/queue", "/away 2099-01-01 m2", "/away", "/back", "/report"]
COMMANDS += ["/mystats", "/complain", "/order", "/guide", "/lang", "/lang en", "/cancel", "/x"]
EMOJI = "😀🚬🧾📦🔥👍🏻🇨🇳👨‍👩‍👧"
IGNORED_TABLES = {"inbox", "reports_sent", "alembic_version", "leases", "seats", "locks"}


@dataclass
class Spec:
    """One update to make, before the stand-in gives it real ids."""

    kind: str
    who: int
    where: str = "private"
    text: str = ""
    media: str = ""
    data: str = ""
    reply: int | None = None
    other: int = 0
    extra: dict[str, Any] | None = None


texts = st.one_of(
    st.text(max_size=80),
    st.sampled_from(COMMANDS),
    st.builds(lambda c, a: f"{c} {a}", st.sampled_from(COMMANDS), st.text(max_size=20)),
    st.just("字" * 4096),
    st.just("A" * 4001),
    st.text(alphabet=EMOJI, min_size=500, max_size=2048),
    st.just("🚬" * 2048),
)
ids = st.integers(min_value=0, max_value=8).map(str)
button_data = st.one_of(
    st.text(max_size=64),
    st.builds("on:{}".format, ids),
    st.builds("res:{}".format, ids),
    st.builds("eta:{}:{}".format, ids, st.sampled_from(["15", "30", "60", "120", "45", "x"])),
    st.builds("rate:{}:{}".format, ids, st.sampled_from(["1", "3", "5", "9"])),
    st.builds("rcm:{}".format, ids),
    st.builds("cpx:{}".format, ids),
    st.builds("sup:{}:{}".format, ids, st.sampled_from(["ok", "oos:3", "no:price", "zz"])),
    st.builds("gds:{}".format, ids),
    st.builds("gdd:{}:{}".format, ids, st.sampled_from(["ok", "no"])),
    st.sampled_from(["menu:order", "menu:complain", "menu:guide", "menu:lang", "cancel"]),
    st.sampled_from(["gd:t:display", "gd:e:x", "lang:en", "lang:zh"]),
)
extras = st.none() | st.dictionaries(
    st.sampled_from(["future_field", "x_unknown", "business_connection_id"]),
    st.one_of(st.integers(), st.text(max_size=10), st.just({"nested": [1, 2]})),
    max_size=2,
)
people = st.sampled_from(PEOPLE)
replies = st.none() | st.integers(min_value=1, max_value=40)
wheres = st.sampled_from(["private", "private", "private", "group", "supergroup"])
specs = st.one_of(
    st.builds(Spec, st.just("text"), people, wheres, texts, reply=replies, extra=extras),
    # /complain, then what the retailer has to say: words, or a photo or voice with a caption.
    st.builds(
        Spec,
        st.just("complaint"),
        people,
        text=texts,
        media=st.sampled_from(["", "", "photo", "voice", "document"]),
    ),
    st.builds(
        Spec,
        st.just("media"),
        people,
        wheres,
        st.text(max_size=40),
        st.sampled_from(
            [
                "sticker",
                "photo",
                "voice",
                "document",
                "video",
                "location",
                "poll",
                "dice",
                "contact_own",
                "contact_other",
                "venue",
                "animation",
            ]
        ),
        reply=replies,
        other=st.sampled_from(range(len(PHONES))),
        extra=extras,
    ),
    st.builds(Spec, st.just("edited"), people, wheres, texts),
    st.builds(Spec, st.sampled_from(["channel_post", "edited_channel_post"]), people),
    st.builds(Spec, st.just("anonymous"), people, st.just("supergroup"), texts),
    st.builds(Spec, st.just("member"), people, other=st.sampled_from([0, 1])),
    # Button presses twice as often: they are where ids meet rights.
    *[st.builds(Spec, st.just("callback"), people, data=button_data, reply=replies, other=people)]
    * 2,
    st.builds(Spec, st.just("inline_callback"), people, data=button_data),
    st.builds(Spec, st.sampled_from(["reaction", "poll_answer", "unknown"]), people),
)


class Fuzzbed:
    """The app and the stand-in on a loop of their own, since hypothesis examples are sync."""

    def __init__(self, folder: Path, route: str) -> None:
        self.folder = folder
        self.route = route
        self.loop = asyncio.new_event_loop()
        self.tg = Standin()
        self.app: RetailDesk | None = None
        self.web: httpx.AsyncClient | None = None
        self.serial = itertools.count(10_000)
        # Update ids the webhook is given: far from the stand-in's own, so they never meet.
        self.posted_ids = itertools.count(1_000_000_000)
        self.complaints = ComplaintWatch()
        self.questions = itertools.count(1)

    def run(self, coroutine: Any) -> Any:
        return self.loop.run_until_complete(coroutine)

    async def start(self) -> None:
        await self.tg.start()
        for user_id in [*PEOPLE, BYSTANDER]:
            self.tg.user(user_id, f"用户{user_id}")
        for chat_id, kind in ((GROUP, "group"), (SUPERGROUP, "supergroup"), (CHANNEL, "channel")):
            self.tg.world.ensure_chat({"id": chat_id, "type": kind, "title": f"群{chat_id}"})
        mapping = desk_mapping(self.tg, self.folder)
        roster = self.folder / "retailers.csv"
        roster.write_text(ROSTER + f"r4,孙丽,丽华便利店,13800000004,m2,{BYSTANDER}\n", "utf-8")
        mapping["flood"] = {"notify_every": 0}
        # Never registered with the stand-in: the bed posts to the ASGI app itself.
        mapping["telegram"] |= {"webhook_url": "http://127.0.0.1/hook", "secret_token": SECRET}
        self.app = build(Settings.from_mapping(mapping, env={}, config_dir=self.folder))
        # Each poll finds its updates already queued; an empty one must not wait out a timeout.
        self.app.telegram.poller.timeout = 0
        await prepare(self.app)
        await self.app.telegram.application.initialize()
        transport = httpx.ASGITransport(app=webhook_app(self.app))
        self.web = httpx.AsyncClient(transport=transport, base_url="http://desk")
        # Something to attack: an open ticket for each linked retailer, delivered to managers.
        for user_id in RETAILERS:
            await self.feed(self.materialize(Spec("text", user_id, text=f"{user_id} 的问题")))

    async def stop(self) -> None:
        if self.web is not None:
            await self.web.aclose()
        if self.app is not None:
            await self.app.telegram.application.shutdown()
            await self.app.store.dispose()
        await self.tg.stop()

    async def feed(self, raw: dict[str, Any], *, own_id: bool = False, strict: bool = True) -> None:
        """Deliver one update the way Telegram does, then take and answer it as the desk does.

        Telegram numbers updates itself; with own_id the update keeps the id it was drawn with
        (the webhook only: getUpdates hands out the stand-in's own). Unless strict, the update
        may fail in the handlers: a malformed one only has to be set aside, not answered.
        """
        assert self.app is not None and self.web is not None
        if self.route == "getUpdates":
            self.tg.world.enqueue_raw({k: v for k, v in raw.items() if k != "update_id"})
            await self.app.telegram.poller.poll_once()
        else:
            body = raw if own_id else {**raw, "update_id": next(self.posted_ids)}
            response = await self.web.post(
                "/hook", content=json.dumps(body), headers={SECRET_HEADER: SECRET}
            )
            # Refused (400) only when it is not an update at all; otherwise stored (200).
            assert response.status_code in ((200,) if strict else (200, 400)), response
        while await self.app.telegram.intake.process_batch():
            pass
        while await self.app.senders["telegram"].send_batch():
            pass
        failed = inbox_failures(self.folder)
        assert failed == [] or not strict, f"{raw} failed: {failed}"
        self.complaints.learn(self.folder, raw)

    def ask_as_bystander(self) -> None:
        """Ask an ordinary question from a retailer the fuzz never touches; it must go through."""
        text = f"孙丽的第{next(self.questions)}个问题：中华还有货吗？"
        world = self.tg.world
        message = world.post(
            world.chats[BYSTANDER], world.people[BYSTANDER].as_user(), {"text": text}
        )
        # Not strict: an earlier malformed update may have failed; this question must not.
        self.run(self.feed({"update_id": 0, "message": dict(message)}, strict=False))
        got = [m.get("text") or "" for m in self.tg.inbox(BYSTANDERS_MANAGER)]
        assert any(text in body for body in got), f"{text!r} never reached its manager"

    def assert_no_complaint_reached_a_manager(self) -> None:
        """Check every call the desk made to a manager's chat for what was said in a complaint."""
        for call in self.tg.calls:
            if call.params.get("chat_id") in MANAGER_CHATS:
                leak = self.complaints.found_in(call.params)
                assert leak is None, (
                    f"{call.method} to a manager carries complaint material {leak!r}"
                )

    def updates(self, spec: Spec) -> list[dict[str, Any]]:
        """Turn a spec into the updates it takes: a complaint is a command and what follows."""
        if spec.kind != "complaint":
            return [self.materialize(spec)]
        said = Spec("media" if spec.media else "text", spec.who, text=spec.text, media=spec.media)
        return [self.materialize(Spec("text", spec.who, text="/complain")), self.materialize(said)]

    def materialize(self, spec: Spec) -> dict[str, Any]:
        """Turn a spec into a real update: its message exists in the stand-in, as on Telegram."""
        world = self.tg.world
        person = world.people[spec.who]
        user = person.as_user()
        update_id = next(self.serial)
        chat = self.chat(spec)
        if spec.kind in ("text", "media"):
            content = {"text": spec.text} if spec.kind == "text" else self.media(spec)
            if spec.text.startswith("/") and spec.kind == "text":
                command = spec.text.split(maxsplit=1)[0]
                content["entities"] = [
                    {
                        "type": "bot_command",
                        "offset": 0,
                        "length": len(command.encode("utf-16-le")) // 2,
                    }
                ]
            target = world.message(chat["id"], spec.reply) if spec.reply else None
            message = world.post(chat, user, content, target)
            return {"update_id": update_id, "message": dict(message)}
        if spec.kind == "edited":
            message = world.post(chat, user, {"text": "原来的"})
            edited = {**message, "text": spec.text or "改", "edit_date": int(time.time())}
            return {"update_id": update_id, "edited_message": edited}
        if spec.kind in ("channel_post", "edited_channel_post"):
            channel = world.chats[CHANNEL]
            post = world.post(channel, None, {"text": "频道公告"}, by_bot=False)
            if spec.kind == "edited_channel_post":
                post = {**post, "edit_date": int(time.time())}
            return {"update_id": update_id, spec.kind: dict(post)}
        if spec.kind == "anonymous":
            group = world.chats[SUPERGROUP]
            message = {"message_id": next(self.serial), "date": int(time.time())}
            message |= {"chat": group, "sender_chat": group, "text": spec.text or "匿名"}
            return {"update_id": update_id, "message": message}
        if spec.kind == "member":
            old, new = ("member", "kicked") if spec.other else ("kicked", "member")
            bot = {"user": world.bot_user}
            change = {"chat": world.chats[spec.who], "from": user, "date": int(time.time())}
            change |= {
                "old_chat_member": {**bot, "status": old, "until_date": 0},
                "new_chat_member": {**bot, "status": new, "until_date": 0},
            }
            return {"update_id": update_id, "my_chat_member": change}
        if spec.kind in ("callback", "inline_callback"):
            return {"update_id": update_id, "callback_query": self.press(spec, user)}
        if spec.kind == "reaction":
            reaction = {"chat": world.chats[spec.who], "message_id": 1, "date": int(time.time())}
            reaction |= {"user": user, "old_reaction": []}
            reaction["new_reaction"] = [{"type": "emoji", "emoji": "👍"}]
            return {"update_id": update_id, "message_reaction": reaction}
        if spec.kind == "poll_answer":
            answer = {"poll_id": "p1", "user": user, "option_ids": [0]}
            answer["option_persistent_ids"] = ["0"]
            return {"update_id": update_id, "poll_answer": answer}
        return {"update_id": update_id, "future_update_kind": {"from": user, "x": [1, {"y": 2}]}}

    def chat(self, spec: Spec) -> dict[str, Any]:
        world = self.tg.world
        if spec.where == "group":
            return world.chats[GROUP]
        if spec.where == "supergroup":
            return world.chats[SUPERGROUP]
        return world.chats[spec.who]

    def media(self, spec: Spec) -> dict[str, Any]:
        n = next(self.serial)
        file = {"file_id": f"F{n}", "file_unique_id": f"U{n}"}
        caption = {"caption": spec.text} if spec.text else {}
        if spec.media == "contact_own":
            contact = {"phone_number": PHONES[spec.other], "first_name": "我", "user_id": spec.who}
            return {"contact": contact}
        if spec.media == "contact_other":
            contact = {"phone_number": PHONES[spec.other], "first_name": "别人", "user_id": 424242}
            return {"contact": contact}
        shapes: dict[str, dict[str, Any]] = {
            "sticker": {
                "sticker": {
                    **file,
                    "type": "regular",
                    "width": 512,
                    "height": 512,
                    "is_animated": False,
                    "is_video": False,
                    "emoji": "👍",
                }
            },
            "photo": {"photo": [{**file, "width": 90, "height": 90}], **caption},
            "voice": {"voice": {**file, "duration": 3}},
            "document": {"document": {**file, "file_name": "单.xlsx"}, **caption},
            "video": {"video": {**file, "width": 9, "height": 9, "duration": 2}, **caption},
            "animation": {
                "animation": {**file, "width": 9, "height": 9, "duration": 2},
                "document": {**file, "file_name": "a.mp4"},
            },
            "location": {"location": {"latitude": 31.2304, "longitude": 121.4737}},
            "venue": {
                "venue": {
                    "location": {"latitude": 31.2, "longitude": 121.4},
                    "title": "烟酒店",
                    "address": "南京路",
                },
                "location": {"latitude": 31.2, "longitude": 121.4},
            },
            "dice": {"dice": {"emoji": "🎲", "value": 4}},
            "poll": {
                "poll": {
                    "id": f"P{n}",
                    "question": spec.text or "?",
                    "options": [
                        {"text": "是", "voter_count": 0, "persistent_id": "0"},
                        {"text": "否", "voter_count": 0, "persistent_id": "1"},
                    ],
                    "total_voter_count": 0,
                    "is_closed": False,
                    "is_anonymous": True,
                    "type": "regular",
                    "allows_multiple_answers": False,
                    "allows_revoting": True,
                    "members_only": False,
                }
            },
        }
        return shapes[spec.media]

    def press(self, spec: Spec, user: dict[str, Any]) -> dict[str, Any]:
        """Press a button, on any message of any chat (a stale or a foreign one included)."""
        world = self.tg.world
        query_id = str(next(self.serial))
        query: dict[str, Any] = {
            "id": query_id,
            "from": user,
            "chat_instance": "1",
            "data": spec.data,
        }
        if spec.kind == "inline_callback":
            query["inline_message_id"] = f"I{query_id}"
        else:
            chat_id = spec.who if spec.other in (spec.who, 0) else spec.other
            message = world.message(chat_id, spec.reply or 1)
            query["message"] = (
                dict(message)
                if message
                else {
                    "message_id": spec.reply or 1,
                    "date": 0,
                    "chat": world.chats[chat_id],
                }
            )
        world.open_callbacks[query_id] = query
        return query


def snapshot(folder: Path) -> dict[str, dict[int, tuple[Any, ...]]]:
    """Return every row of the desk's own tables by rowid."""
    with sqlite3.connect(folder / "desk.db") as db:
        names = [r[0] for r in db.execute("select name from sqlite_master where type = 'table'")]
        state: dict[str, dict[int, tuple[Any, ...]]] = {}
        for name in names:
            if name in IGNORED_TABLES or name.startswith("sqlite_"):
                continue
            cursor = db.execute(f"select rowid, * from {name}")  # our own table names
            columns = [c[0] for c in cursor.description]
            state[name] = {row[0]: dict(zip(columns, row, strict=True)) for row in cursor}
    return state


def changes(
    before: dict, after: dict
) -> Iterator[tuple[str, dict[str, Any], dict[str, Any] | None]]:
    for table, rows in after.items():
        for rowid, row in rows.items():
            old = before.get(table, {}).get(rowid)
            if old != row:
                yield table, row, old
    # A chat link is moved by deleting one row and adding another: a deleted link is a change.
    for rowid, old in before.get("contacts", {}).items():
        if rowid not in after.get("contacts", {}):
            yield "contacts", {**old, "deleted": True}, old


class Rights:
    """Who may change what, judged on the state before the update."""

    def __init__(self, state: dict, after: dict) -> None:
        self.state = state
        self.tickets = state.get("tickets", {})
        # A ticket the update opened is judged by its own row, which is checked as well.
        opened = after.get("tickets", {}).values()
        self.by_ticket = {row["id"]: row for row in [*opened, *self.tickets.values()]}
        self.notified: dict[int, set[str]] = {}
        for row in state.get("outbox", {}).values():
            if row["ticket_id"] is not None:
                self.notified.setdefault(row["ticket_id"], set()).add(row["recipient_id"])
        # Likewise a complaint the update opened.
        filed = [*after.get("complaints", {}).values(), *state.get("complaints", {}).values()]
        self.complaints = {row["id"]: row for row in filed}
        self.linked = {
            int(row["chat"]): row["retailer_id"]
            for row in state.get("contacts", {}).values()
            if row["channel"] == "telegram"
        }
        self.phones = {row["id"]: row["phone"] for row in state.get("retailers", {}).values()}

    def actor(self, chat_id: int) -> set[str]:
        """Return the ids a private chat acts as."""
        if chat_id in STAFF:
            return {STAFF[chat_id]}
        return {self.linked[chat_id]} if chat_id in self.linked else set()

    def of_ticket(self, ticket_id: int | None, new: dict | None = None) -> set[str]:
        row = self.by_ticket.get(ticket_id) or new or {}
        people = {row.get("retailer_id"), row.get("manager_id"), row.get("home_manager_id")}
        people |= {s for s, team in SUPERVISES.items() if team & people}
        return {p for p in people if p} | self.notified.get(ticket_id or -1, set())

    def parties(self, table: str, row: dict[str, Any]) -> set[str]:
        if table == "tickets":
            return self.of_ticket(row["id"], row)
        if table == "complaints":
            return {row["retailer_id"], row.get("supervisor_id") or "s1"}
        if table == "complaint_messages":
            complaint = self.complaints.get(row["complaint_id"], {})
            return {complaint.get("retailer_id"), complaint.get("supervisor_id") or "s1"} - {None}
        if table == "retailers":
            return {row["id"]}
        if table == "contacts":
            return {row["retailer_id"]}
        if table == "leaves":
            return {row["manager_id"]}
        if table == "staff_langs":
            return {row["staff_id"]}
        if "ticket_id" in row and row["ticket_id"] is not None:
            return self.of_ticket(row["ticket_id"])
        # A notice about no ticket (a complaint, a handover) comes from someone on the roster;
        # that no complaint reaches a manager is checked on the calls themselves, after each batch.
        return set(RETAILERS.values()) | {"r3"} | set(STAFF.values())


def check_rights(raw: dict[str, Any], before: dict, after: dict) -> None:
    rights = Rights(before, after)
    message = raw.get("message")
    private = isinstance(message, dict) and message.get("chat", {}).get("type") == "private"
    if private:
        actor = rights.actor(message["chat"]["id"])
    elif "callback_query" in raw:
        actor = rights.actor(raw["callback_query"]["from"]["id"])
    else:
        actor = set()
    for table, row, old in changes(before, after):
        if table == "outbox" and old is not None:
            continue  # the sender's own bookkeeping
        if (
            private
            and "contact" in message
            and (table in {"retailers", "contacts"} or row.get("kind") in CONTACT_NOTICES)
        ):
            assert_own_contact(message, table, row, rights.phones)
            continue
        allowed = rights.parties(table, row) | (rights.parties(table, old) if old else set())
        assert actor & allowed, f"{sorted(actor)} changed {table} {row} by {raw}"


# What sharing a phone may write to the outbox: a welcome, or word that a chat tried to link.
CONTACT_NOTICES = {"welcome", "link_tried", "link_claimed"}


def assert_own_contact(
    message: dict[str, Any], table: str, row: dict[str, Any], phones: dict[str, str]
) -> None:
    """Allow only linking the sender's own chat by their own phone, or freeing that chat."""
    chat_id, contact = message["chat"]["id"], message["contact"]
    own = contact.get("user_id") == message["from"]["id"]
    if row.get("kind") == "welcome":
        assert own and row["chat_id"] == str(chat_id), f"welcome elsewhere: {row}"
        return
    if row.get("kind") in CONTACT_NOTICES:
        # Someone shared a linked retailer's phone: that retailer and their manager are told.
        assert own and row["chat_id"] != str(chat_id), f"claim told to the claimant: {row}"
        return
    # Linking writes the chat's link and nothing on the retailer's own row.
    assert table == "contacts", f"contact changed {row}"
    here = row["channel"] == "telegram" and row["chat"] == str(chat_id)
    phone = DiallingPlan().shared_phone(contact["phone_number"])
    linked_here = here and not row.get("deleted") and phones.get(row["retailer_id"]) == phone
    freed_here = here and row.get("deleted", False)
    assert own and (linked_here or freed_here), f"contact changed {row}"


MANAGER_CHATS = {5001, 5002, "5001", "5002"}


@dataclass
class ComplaintWatch:
    """What retailers said in complaints, learnt from the desk's own complaint rows."""

    texts: set[str] = field(default_factory=set)
    origins: set[tuple[int, int]] = field(default_factory=set)
    files: set[str] = field(default_factory=set)

    def learn(self, folder: Path, raw: dict[str, Any]) -> None:
        with sqlite3.connect(folder / "desk.db") as db:
            said = db.execute(
                "select text, chat_id, message_id from complaint_messages where from_retailer"
            ).fetchall()
            asked = {row[0] for row in db.execute("select text from messages")}
        for text, chat_id, message_id in said:
            # Words also asked as an ordinary question may reach a manager that way.
            if len(text.strip()) >= 4 and text not in asked:
                self.texts.add(text)
            if chat_id is not None and message_id is not None:
                # Stored as text; the Bot API calls carry Telegram's numbers.
                self.origins.add((int(chat_id), int(message_id)))
        message = raw.get("message")
        if not isinstance(message, dict):
            return
        # A malformed update may have anything where the chat belongs.
        chat = message.get("chat")
        chat_id = chat.get("id") if isinstance(chat, dict) else None
        if (chat_id, message.get("message_id")) in self.origins:
            self.files |= set(file_ids(message))

    def found_in(self, params: dict[str, Any]) -> str | None:
        """Return the complaint material these call parameters carry, if any."""
        origin = (params.get("from_chat_id"), params.get("message_id"))
        if origin in self.origins:
            return f"a copy of message {origin}"
        flat = json.dumps(params, ensure_ascii=False)
        for material in self.texts | self.files:
            if material in flat or json.dumps(material, ensure_ascii=False)[1:-1] in flat:
                return material
        return None


def file_ids(value: Any) -> Iterator[str]:
    """Yield every file id inside a message."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "file_id" and isinstance(item, str):
                yield item
            else:
                yield from file_ids(item)
    elif isinstance(value, list):
        for item in value:
            yield from file_ids(item)


def inbox_failures(folder: Path) -> list[tuple[Any, ...]]:
    """Return inbox rows that failed, other than updates parked as unreadable."""
    with sqlite3.connect(folder / "desk.db") as db:
        return db.execute(
            "select update_id, state, error from inbox where error is not null"
            " and not (state = 'dead' and error like 'unreadable%')"
        ).fetchall()


@pytest.fixture
def bed(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Fuzzbed]:
    fuzzbed = Fuzzbed(tmp_path, request.param)
    try:
        fuzzbed.run(fuzzbed.start())
        yield fuzzbed
    finally:
        fuzzbed.run(fuzzbed.stop())
        fuzzbed.loop.run_until_complete(fuzzbed.loop.shutdown_asyncgens())
        fuzzbed.loop.close()


def fuzz(examples: int) -> Callable[[Any], Any]:
    """Draw a fixed sequence of examples, the same every run."""
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        # A failure leaves the bed's inbox stalled, so shrinking on it only repeats the stall.
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


EXAMPLES = [SAMPLE, pytest.param(SLOW, marks=pytest.mark.slow)]
KINDS = {"text", "complaint", "media", "edited", "channel_post", "anonymous", "member", "callback"}


@pytest.mark.parametrize("examples", EXAMPLES)
@pytest.mark.parametrize("bed", ROUTES, indirect=True)
def test_no_update_crashes_the_bot_or_touches_what_is_not_its_senders(
    bed: Fuzzbed, examples: int
) -> None:
    seen: Counter[str] = Counter()

    @fuzz(examples)
    @given(st.lists(specs, min_size=1, max_size=4))
    def batch_of(batch: list[Spec]) -> None:
        for spec in batch:
            for raw in bed.updates(spec):
                if spec.extra:
                    # Fields this library does not know yet, on the update and on its payload.
                    payloads = [value for value in raw.values() if isinstance(value, dict)]
                    raw |= copy.deepcopy(spec.extra)
                    for payload in payloads:
                        payload.update(copy.deepcopy(spec.extra))
                before = snapshot(bed.folder)
                bed.run(bed.feed(raw))
                check_rights(raw, before, snapshot(bed.folder))
            seen[spec.kind] += 1
        bed.ask_as_bystander()
        bed.assert_no_complaint_reached_a_manager()

    batch_of()
    print(
        "WATCH",
        bed.complaints,
        [c.method for c in bed.tg.calls if c.params.get("chat_id") in MANAGER_CHATS][:50],
    )
    assert set(seen) >= KINDS, seen


# Ways a Bot API object can arrive other than as documented.
HUGE = [2**63, 2**64, -(2**63) - 1, 10**30, 2**53 + 1, 1e308, -1e308]
WRONG = [True, None, 3.5, "7", [], [1, "2"], 0, -1, ""]
OBJECT_AS_STRING = ["{}", "null", "[object Object]", '{"id": 1}', "😀"]


def places(value: Any, here: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """Yield the path and value of everything inside an update, nested objects included."""
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in items:
        yield (*here, key), item
        if isinstance(item, dict | list):
            yield from places(item, (*here, key))


def mutated(raw: dict[str, Any], how: str, picks: list[tuple[int, int]], route: str) -> dict:
    """Return a copy of an update with some fields wrong in the given way."""
    raw = copy.deepcopy(raw)
    for pick, choice in picks:
        spots = [
            (path, value)
            for path, value in places(raw)
            if (route == "webhook" or path != ("update_id",))
            and {
                "wrong_type": True,
                "huge_number": isinstance(value, int) and not isinstance(value, bool),
                "string_for_object": isinstance(value, dict | list),
                "missing_field": isinstance(path[-1], str),
            }[how]
        ]
        if not spots:
            continue
        path, value = spots[pick % len(spots)]
        parent = raw
        for key in path[:-1]:
            parent = parent[key]
        if how == "missing_field":
            del parent[path[-1]]
            continue
        options = {"wrong_type": WRONG, "huge_number": HUGE, "string_for_object": OBJECT_AS_STRING}
        replacements = [v for v in options[how] if type(v) is not type(value)] or options[how]
        parent[path[-1]] = replacements[choice % len(replacements)]
    return raw


twists = st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 100)), min_size=1, max_size=3)
MALFORMED = ["wrong_type", "huge_number", "string_for_object", "missing_field"]
MALFORMED_CASES = [(route, how) for route in ROUTES for how in MALFORMED]


@pytest.mark.parametrize("examples", EXAMPLES)
@pytest.mark.parametrize(("bed", "how"), MALFORMED_CASES, indirect=["bed"])
def test_a_malformed_update_never_holds_up_the_next_question(
    bed: Fuzzbed, how: str, examples: int
) -> None:
    @fuzz(examples)
    @given(st.lists(st.tuples(specs, twists), min_size=1, max_size=3))
    def batch_of(batch: list[tuple[Spec, list[tuple[int, int]]]]) -> None:
        for spec, picks in batch:
            *before, last = bed.updates(spec)
            for raw in [*before, mutated(last, how, picks, bed.route)]:
                bed.run(bed.feed(raw, own_id=True, strict=False))
        bed.ask_as_bystander()
        bed.assert_no_complaint_reached_a_manager()

    batch_of()
