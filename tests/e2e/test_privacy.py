"""What retailers write and their phone numbers stay out of the logs; secrets out of printouts."""

from __future__ import annotations

import io
import logging
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot import logs
from bot.cli import main
from desk.clock import ShiftedClock
from handlers.telegram.standin import Standin
from tests.e2e.harness import (
    DeskProcess,
    desk_mapping,
    desk_settings,
    polling,
    running_desk,
    write_config,
)

QUESTION = "我的手机13912345678，软中华还有货吗"
ANSWER = "有的，明早给您送两条"
CONTACT = "+86 138 0000 0003"
STRANGER = "路人想进货，电话13700001111"
SECRETS = [QUESTION, "13912345678", ANSWER, "13800000003", "138 0000 0003", STRANGER]
SECRETS += ["13700001111", "13800000001", "TEST-TOKEN"]


def leaks(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text]


async def converse(tg: Standin) -> None:
    """Link a retailer by contact, ask, answer, and let a stranger and a group chat in."""
    zhao, li = tg.user(9003, "赵强"), tg.get_user(5001)
    zhao.share_contact(CONTACT)
    await tg.wait_message(9003, contains="绑定成功", timeout=20)
    zhao.send(QUESTION)
    question = await tg.wait_message(5001, contains=QUESTION, timeout=20)
    li.send(ANSWER, reply_to=question)
    await tg.wait_message(9003, contains=ANSWER, timeout=20)
    tg.user(6660001, "路人").send(STRANGER)
    await tg.wait_message(6660001, timeout=20)
    li.send_in_group(-4001, "烟草群", "/queue 13800000001")
    await tg.wait_message(-4001, timeout=20)
    # A failing delivery and a failing poll log errors too; those must stay clean as well.
    tg.fail("getUpdates", status=502, times=2)
    tg.fail("sendMessage", status=400, times=1)
    tg.get_user(9001).send(QUESTION)
    await tg.wait_for(lambda: any(c.status == 400 for c in tg.calls_to("sendMessage")), 20)


@pytest.fixture
def product_logging(request: pytest.FixtureRequest) -> Iterator[io.StringIO]:
    """Log as `retaildesk run` (with -v when the test asks) does; yield what it wrote."""
    verbose = getattr(request, "param", False)
    names = ("", *logs._NOISY, *logs._DRIVERS)
    saved = {name: logging.getLogger(name).level for name in names}
    written = io.StringIO()
    handler = logs.configure(verbose, stream=written)
    try:
        yield written
    finally:
        logging.getLogger().removeHandler(handler)
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


@pytest.mark.usefixtures("product_logging")
async def test_info_logs_carry_no_text_and_no_phone_number(
    tg: Standin, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with running_desk(desk_settings(tg, tmp_path), tg):
        await converse(tg)
    assert caplog.records, "the bot logged something"
    assert any(r.levelno >= logging.WARNING for r in caplog.records), "failures were logged"
    assert leaks(caplog.text) == []


@pytest.mark.parametrize("product_logging", [True], indirect=True)
async def test_debug_logs_carry_no_text_no_phone_number_and_no_token(
    product_logging: io.StringIO, tg: Standin, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # What -v shows: every logger at DEBUG except the ones the product keeps at WARNING.
    caplog.set_level(logging.DEBUG)
    async with running_desk(desk_settings(tg, tmp_path), tg):
        await converse(tg)
    assert logging.getLogger("bot.app").isEnabledFor(logging.DEBUG)
    assert leaks(caplog.text) == []
    assert leaks(product_logging.getvalue()) == []


async def test_the_running_process_log_carries_no_text_and_no_phone_number(
    tg: Standin, tmp_path: Path
) -> None:
    desk = DeskProcess(write_config(desk_mapping(tg, tmp_path), tmp_path))
    desk.start()
    await polling(tg)
    await converse(tg)
    assert desk.terminate() == 0
    written = desk.log.read_text(encoding="utf-8")
    assert "RetailDesk is running" in written
    assert leaks(written) == []


def test_check_prints_the_config_with_every_secret_hidden(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    tg_like = type(
        "Tg",
        (),
        {
            "token": "123456:FILE-SECRET",
            "base_url": "http://127.0.0.1:9/bot",
            "base_file_url": "http://127.0.0.1:9/file/bot",
        },
    )
    mapping = desk_mapping(tg_like, tmp_path)  # type: ignore[arg-type]
    mapping["telegram"]["secret_token"] = "hook-secret_1"
    mapping["storage"]["url"] = "postgresql://desk:pg-secret@127.0.0.1:5432/desk"
    config = write_config(mapping, tmp_path)
    monkeypatch.setenv("RETAILDESK_TELEGRAM__TOKEN", "654321:ENV-SECRET")

    assert main(["check", "--config", str(config)]) == 0

    printed = capsys.readouterr()
    shown = printed.out + printed.err
    for secret in ("FILE-SECRET", "ENV-SECRET", "654321", "hook-secret_1", "pg-secret"):
        assert secret not in shown
    assert 'token = "***"' in shown
    assert 'secret_token = "***"' in shown
    assert "postgresql://desk:***@127.0.0.1:5432/desk" in shown


def test_a_storage_error_names_the_database_without_its_password(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tg_like = type(
        "Tg",
        (),
        {
            "token": "123456:FILE-SECRET",
            "base_url": "http://127.0.0.1:9/bot",
            "base_file_url": "http://127.0.0.1:9/file/bot",
        },
    )
    mapping = desk_mapping(tg_like, tmp_path)  # type: ignore[arg-type]
    # Nothing listens on port 1, so connecting fails at once.
    mapping["storage"]["url"] = "postgresql://desk:pg-secret@127.0.0.1:1/desk"
    config = write_config(mapping, tmp_path)

    assert main(["status", "--config", str(config)]) == 1

    printed = capsys.readouterr()
    assert "pg-secret" not in printed.err + printed.out
    assert "storage error at postgresql://desk:***@127.0.0.1:1/desk" in printed.err
    assert "Traceback" not in printed.err


async def test_a_stranger_s_phone_number_is_gone_from_the_inbox_after_the_kept_time(
    tg: Standin, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    settings = desk_settings(tg, tmp_path)
    async with running_desk(settings, tg, clock=ShiftedClock(now)):
        tg.user(6660002, "路人").share_contact("+86 137 0000 2222")
        await tg.wait_message(6660002, timeout=20)
        tg.get_user(9001).send("软中华还有货吗？")
        await tg.wait_message(5001, contains="软中华还有货吗？", timeout=20)
    assert "137 0000 2222" in inbox_text(tmp_path)
    # A week and an hour later, the purge at start has run.
    later = now + settings.storage.keep_raw_updates + timedelta(hours=1)
    async with running_desk(settings, tg, clock=ShiftedClock(later)) as app:
        await tg.wait_for(lambda: "137 0000 2222" not in inbox_text(tmp_path), timeout=20)
        assert app.settings.storage.keep_raw_updates == timedelta(days=7)


def inbox_text(folder: Path) -> str:
    with sqlite3.connect(folder / "desk.db") as db:
        return "".join(row[0] for row in db.execute("select payload from inbox"))
