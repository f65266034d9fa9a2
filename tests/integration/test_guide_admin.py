"""The admin decides guide drafts from the command line; the author hears of an approval."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, insert, select

from bot.cli import main
from storage.tables import guide_drafts, outbox

CONFIG = """
[storage]
url = "sqlite:///desk.db"

[[supervisors]]
id = "s1"
name = "陈主任"
telegram_id = 7001

[[managers]]
id = "m1"
name = "李经理"
telegram_id = 5001
supervisor = "s1"
"""


def run(config: Path, *args: str) -> int:
    return main(["guide", *args, "--config", str(config)])


def test_the_admin_lists_and_approves_a_draft(tmp_path: Path, capsys) -> None:
    config = tmp_path / "config.toml"
    config.write_text(CONFIG, encoding="utf-8")
    assert run(config, "drafts") == 0
    engine = create_engine(f"sqlite:///{tmp_path / 'desk.db'}")
    with engine.begin() as conn:
        conn.execute(
            insert(guide_drafts).values(
                ticket_id=1,
                author_id="m1",
                question="烟发霉了能退吗？",
                answer="拍照发我，下次送货时换。",
                lang="zh",
                state="draft",
                created_at=datetime(2026, 11, 20, tzinfo=UTC),
                channel="telegram",
                chat_id="5001",
                message_id="8",
            )
        )
    capsys.readouterr()

    assert run(config, "drafts") == 0
    listed = capsys.readouterr().out
    assert "#1 by m1 on 2026-11-20\n  Q: 烟发霉了能退吗？\n  A: 拍照发我，下次送货时换。" in listed
    assert run(config, "approve") == 2
    # The retailer's words are not published as they are: the admin rewords them.
    assert run(config, "approve", "1") == 1
    assert run(config, "approve", "1", "--question", "烟发霉了能退吗？") == 1
    assert run(config, "approve", "1", "--question", "发霉的烟怎么退换？") == 0
    assert run(config, "reject", "1") == 1
    assert run(config, "reject", "9") == 1
    said = capsys.readouterr().out
    assert "reword the retailer's question: --question" in said
    assert "draft 1 approved" in said
    assert "draft 1 was decided already" in said
    assert "there is no draft 9" in said
    with engine.connect() as conn:
        assert conn.scalar(select(guide_drafts.c.state)) == "approved"
        assert conn.scalar(select(guide_drafts.c.decided_by)) == "admin"
        assert conn.scalar(select(guide_drafts.c.question)) == "发霉的烟怎么退换？"
        assert conn.execute(select(outbox.c.recipient_id, outbox.c.kind)).all() == [
            ("m1", "guide_added")
        ]
    engine.dispose()
