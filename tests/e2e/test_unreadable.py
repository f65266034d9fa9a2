"""An update the library cannot read is set aside at once; its sender is told, the chat goes on."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from handlers.telegram.standin import Standin
from tests.e2e.harness import desk_mapping, desk_settings, running_desk, write_config
from tests.e2e.test_faults import retaildesk_status

# A poll of an older Bot API shape: python-telegram-bot refuses options without persistent_id.
OLD_POLL = {
    "id": "P1",
    "question": "哪个牌子好卖？",
    "options": [{"text": "中华", "voter_count": 0}, {"text": "玉溪", "voter_count": 0}],
    "total_voter_count": 0,
    "is_closed": False,
    "is_anonymous": True,
    "type": "regular",
    "allows_multiple_answers": False,
}


async def test_an_unreadable_message_is_parked_and_the_next_question_goes_through(
    tg: Standin, tmp_path: Path
) -> None:
    config = write_config(desk_mapping(tg, tmp_path), tmp_path)
    async with running_desk(desk_settings(tg, tmp_path), tg) as app:
        # The intake's idle timer now never fires within the test: the question can only reach
        # the manager if the pass that parks the update goes on to it at once.
        app.telegram.intake.idle = 3600.0
        retailer = tg.get_user(9001)
        world = tg.world
        chat = world.chats[9001]
        # Queued together, so the two arrive in one getUpdates batch, the unreadable one first.
        world.enqueue("message", world.post(chat, world.people[9001].as_user(), {"poll": OLD_POLL}))
        retailer.send("软中华还有货吗？")

        # Told at once, in the sender's language, and the question after it is not held up
        # behind more tries of an update that can never be read, nor behind a timer.
        await tg.wait_message(9001, contains="暂不支持这种消息", timeout=10)
        await tg.wait_message(5001, contains="软中华还有货吗？", timeout=10)
        # Kept for an admin, and counted where an admin looks.
        assert "updates parked as unreadable: 1" in await retaildesk_status(config)
        page = (await app.metrics.render(app.store)).decode()
        assert 'retaildesk_set_aside{what="update"} 1.0' in page.splitlines()

    with sqlite3.connect(tmp_path / "desk.db") as db:
        parked = db.execute("select state, attempts from inbox where error like 'unreadable%'")
        assert parked.fetchall() == [("dead", 1)]
