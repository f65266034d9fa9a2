"""Run the real application against the stand-in, in-process or as a separate process."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import uvicorn
from sqlalchemy import Select, func, select

from bot.app import ChannelMaker, RetailDesk, build, serve
from bot.config import Settings
from bot.listeners import server_config
from bot.web import callbacks_app, console_served_at
from desk.clock import Clock, HandClock
from handlers.telegram.standin import Standin
from storage.outbox import UNSENT
from storage.tables import inbox, outbox

ROSTER = """id,name,shop,phone,manager,telegram_id
r1,张伟,张记烟酒店,13800000001,m1,9001
r2,刘芳,芳芳便利店,13800000002,m2,9002
r3,赵强,强盛烟酒商行,13800000003,m1,
"""

FAST_LADDER = [
    {"after": 2, "notify": "manager"},
    {"after": 4, "notify": "backup"},
    {"after": 6, "notify": "supervisor"},
]
SLOW_LADDER = [{"after": "1h", "notify": "manager"}, {"after": "2h", "notify": "supervisor"}]


def desk_mapping(
    tg: Standin, folder: Path, ladder: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """Return a complete config for a small team, pointed at the stand-in and a temp database."""
    (folder / "retailers.csv").write_text(ROSTER, encoding="utf-8")
    return {
        "timezone": "Asia/Shanghai",
        "telegram": {
            "token": tg.token,
            "base_url": tg.base_url,
            "base_file_url": tg.base_file_url,
            "poll_timeout": 1,
            "messages_per_second": 0,
        },
        "storage": {"url": "sqlite:///desk.db"},
        # `run` always serves the console; any free port, so that tests run side by side.
        "serve": {"host": "127.0.0.1", "port": 0},
        "escalation": {"steps": ladder or SLOW_LADDER, "sweep_every": 1},
        "supervisors": [{"id": "s1", "name": "陈主任", "telegram_id": 7001}],
        "managers": [
            {"id": "m1", "name": "李经理", "telegram_id": 5001, "backup": "m2", "supervisor": "s1"},
            {"id": "m2", "name": "王经理", "telegram_id": 5002, "backup": "m1", "supervisor": "s1"},
        ],
        "roster": {"retailers_csv": "retailers.csv"},
    }


def desk_settings(
    tg: Standin, folder: Path, ladder: list[dict[str, Any]] | None = None
) -> Settings:
    """Return typed settings for the small team."""
    return Settings.from_mapping(desk_mapping(tg, folder, ladder), env={}, config_dir=folder)


def settings_with(tg: Standin, folder: Path, **sections: Any) -> Settings:
    """Return the small team's settings with the given sections added or replaced."""
    mapping = desk_mapping(tg, folder)
    mapping.update(sections)
    return Settings.from_mapping(mapping, env={}, config_dir=folder)


def buttons(message: dict[str, Any]) -> list[str]:
    """Return the callback data of a message's inline buttons, in order."""
    markup = message.get("reply_markup") or {}
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]


def poll_mark(tg: Standin) -> tuple[int, int]:
    """Note how many polls the stand-in has answered and holds, before a desk starts."""
    return len(tg.calls_to("getUpdates")), tg.polls_waiting


async def polling(
    tg: Standin,
    mark: tuple[int, int] = (0, 0),
    timeout: float = 30,  # noqa: ASYNC109
    or_when: Callable[[], bool] = lambda: False,
) -> None:
    """Wait until a desk started after `mark` polls: a long poll of its own is parked, or done."""
    # Waiting for the first poll to be answered would cost its whole timeout, empty.
    answered, parked = mark
    await tg.wait_for(
        lambda: len(tg.calls_to("getUpdates")) > answered or tg.polls_waiting > parked or or_when(),
        timeout=timeout,
    )


@asynccontextmanager
async def running_desk(
    settings: Settings, tg: Standin, clock: Clock | None = None, extra: Sequence[ChannelMaker] = ()
) -> AsyncIterator[RetailDesk]:
    """Run the app (with any extra channels) until the block ends; yield once it is polling."""
    app = build(settings, clock=clock, extra=extra)
    stop = asyncio.Event()
    polls = poll_mark(tg)
    task = asyncio.create_task(serve(app, stop))
    await polling(tg, polls, timeout=15, or_when=task.done)
    if task.done():
        task.result()
    try:
        yield app
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=15)


@asynccontextmanager
async def console_served(app: RetailDesk) -> AsyncIterator[str]:
    """Serve the console on a free loopback port, as `run` does beside the desk; yield its URL."""
    sock = socket.create_server(("127.0.0.1", 0))
    # The links the bot sends then name the port actually bound.
    console_served_at(app, sock)
    assert app.console is not None
    server = uvicorn.Server(server_config(callbacks_app(app)))
    web = asyncio.create_task(server.serve([sock]), name="console")
    deadline = asyncio.get_running_loop().time() + 15
    while not server.started:
        assert not web.done(), "the console's server stopped before it started"
        assert asyncio.get_running_loop().time() < deadline, "the console's server never started"
        await asyncio.sleep(0.02)
    try:
        yield app.console.settings.public_url
    finally:
        server.should_exit = True
        await asyncio.wait_for(web, timeout=15)
        sock.close()


# A Wednesday, 10:00 in Shanghai: office hours, mid-week, the same whenever the suite runs.
WEDNESDAY_MORNING = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)


class FakeClock(HandClock):
    """Stand still until the test moves it, as Home Assistant's `freezer` does."""

    def __init__(self, start: datetime = WEDNESDAY_MORNING) -> None:
        super().__init__(start)

    def move(self, delta: timedelta) -> None:
        """Move time forward at once."""
        assert delta >= timedelta(0), "time only moves forward"
        self.set(self.now() + delta)


async def tick(app: RetailDesk, **delta: float) -> None:
    """Move the desk's clock on, wake what waits for that moment, and let what is due go out."""
    clock = app.desk.ctx.clock
    assert isinstance(clock, FakeClock), "run the desk with running_desk(..., clock=FakeClock())"
    # What came in before this moment is handled at it: by the time the clock moves on, a
    # real desk would long have taken it in, and what it holds for later counts from now.
    await handled(app)
    clock.move(timedelta(**delta))
    # What the job queue would do once the wall clock got there: ring the alarm if it is armed
    # for a moment now passed. A step it was never armed for is not fired here (only the
    # wall-clock safety sweep, once a second, would still find it).
    armed = app.alarm.armed_for
    if armed is not None and armed <= clock.now():
        await app.alarm.fire()
    # The sender sleeps until its next held row falls due by the wall clock: wake it to look.
    app.store.outbox_posted.set()
    await delivered(app)


async def handled(app: RetailDesk, timeout: float = 10.0) -> None:  # noqa: ASYNC109
    """Wait until every update the desk has received is handled (or set aside)."""
    waiting = select(func.count()).select_from(inbox).where(inbox.c.state.in_(("new", "taken")))
    await _none_left(app, waiting, timeout, "the inbox kept updates unhandled")


async def delivered(app: RetailDesk, timeout: float = 10.0) -> None:  # noqa: ASYNC109
    """Wait until every outbox row due by the desk's clock has been sent (or given up on)."""
    due = (
        select(func.count())
        .select_from(outbox)
        .where(outbox.c.state.in_(UNSENT), outbox.c.not_before <= app.desk.ctx.clock.now())
    )
    await _none_left(app, due, timeout, "the outbox kept rows due now unsent")


async def _none_left(
    app: RetailDesk, count: Select[tuple[int]], within: float, failure: str
) -> None:
    """Poll a count of rows still to go on the desk's database until it reads zero."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        async with app.store.reading() as conn:
            if not await conn.scalar(count):
                return
        assert loop.time() < deadline, failure
        await asyncio.sleep(0.02)


def write_config(mapping: dict[str, Any], folder: Path) -> Path:
    """Write a mapping as config.toml (only the shapes the harness uses)."""
    lines: list[str] = []
    tables = {k: v for k, v in mapping.items() if isinstance(v, dict)}
    arrays = {k: v for k, v in mapping.items() if isinstance(v, list)}
    lines += [
        f"{k} = {_toml(v)}" for k, v in mapping.items() if k not in tables and k not in arrays
    ]
    for name, table in tables.items():
        lines.append(f"[{name}]")
        lines += [f"{k} = {_toml(v)}" for k, v in table.items()]
    for name, rows in arrays.items():
        for row in rows:
            lines.append(f"[[{name}]]")
            lines += [f"{k} = {_toml(v)}" for k, v in row.items()]
    path = folder / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return "{" + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + "}"


class DeskProcess:
    """The app as a separate `retaildesk run` process, so a test can SIGKILL it."""

    def __init__(self, config: Path) -> None:
        self.config = config
        self.process: subprocess.Popen[bytes] | None = None
        self.log = config.parent / "desk.log"

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("RETAILDESK_")}
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "run", "--config", str(self.config)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=Path(__file__).resolve().parents[2],
            )

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        # Certain to end; on a loaded machine the kernel may take a while to reap it.
        self.process.wait(timeout=60)

    def terminate(self) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=20)

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


def is_weekly_report(message: dict[str, Any]) -> bool:
    """Say whether a message is part of the weekly summary a supervisor gets at start-up."""
    document = message.get("document") or {}
    text = message.get("text") or ""
    return (
        bool(message.get("photo")) or "report-" in document.get("file_name", "") or "周报" in text
    )


def supervisor_inbox(tg: Standin, chat_id: int = 7001) -> list[dict[str, Any]]:
    """Return what the supervisor got apart from the weekly summary."""
    return [m for m in tg.inbox(chat_id) if not is_weekly_report(m)]
