"""`retaildesk demo`: the real application, offline, against the built-in Telegram stand-in."""

from __future__ import annotations

import asyncio
import logging
import socket
import sys
import tempfile
import tomllib
from datetime import datetime, time
from pathlib import Path
from typing import Any

import uvicorn

from bot.app import RetailDesk, build, serve
from bot.config import Settings
from bot.demo_history import play_history
from bot.listeners import server_config
from bot.signals import install_stop_signals
from bot.web import callbacks_app, console_served_at
from desk.clock import ShiftedClock
from handlers.console.links import link_maker
from handlers.telegram.standin import Standin, StandinUser


def example_folder() -> Path:
    """Return where the example config lives: the checkout, or beside an installed wheel."""
    checkout = Path(__file__).resolve().parents[1]
    if (checkout / "config.toml").is_file():
        return checkout
    return Path(sys.prefix) / "share" / "retaildesk" / "example"


CONFIG = example_folder() / "config.toml"
# The demo compresses the ladder to seconds so the whole story plays in well under a minute.
DEMO_LADDER = [
    {"after": 4, "notify": "manager"},
    {"after": 8, "notify": "backup"},
    {"after": 16, "notify": "supervisor"},
]


class Timeline:
    """Collect what each person saw, stamped with the demo clock."""

    def __init__(self, clock: ShiftedClock, settings: Settings) -> None:
        self.clock = clock
        self.zone = settings.zone()
        self.lines: list[str] = []

    def saw(self, who: str, text: str, *, sent: bool = False, aside: bool = False) -> None:
        """Note a message someone sent or received, or an aside about them."""
        stamp = self.clock.now().astimezone(self.zone).strftime("%H:%M:%S")
        arrow = "  " if aside else ("✍️ " if sent else "📩")
        body = " ".join(text.split())
        self.lines.append(f"{stamp}  {arrow} {who:<6} {body}")
        print(self.lines[-1], flush=True)


def demo_settings(tg: Standin, folder: Path, *, compressed: bool = True) -> Settings:
    """Load config.toml and point it at a temporary database and the stand-in.

    `compressed` swaps config.toml's ladder for the demo's seconds-long one.
    """
    mapping: dict[str, Any] = tomllib.loads(CONFIG.read_text(encoding="utf-8"))
    mapping["storage"] = {"url": f"sqlite:///{folder / 'demo.db'}"}
    mapping["telegram"] |= {
        "token": tg.token,
        "base_url": tg.base_url,
        "base_file_url": tg.base_file_url,
        "poll_timeout": 1,
        "messages_per_second": 0,
    }
    if compressed:
        mapping["escalation"] = {"steps": DEMO_LADDER, "sweep_every": 1}
    return Settings.from_mapping(mapping, env={}, file=str(CONFIG), config_dir=CONFIG.parent)


async def play(*, console: bool = False, until: asyncio.Event | None = None) -> int:
    """Play the 3 a.m. story and print the timeline of what each person saw.

    With `console`, first give the desk four weeks of history, then after the story keep
    serving and print a one-time console link for the supervisor, until Ctrl-C (or until
    `until` is set).
    """
    logging.getLogger().setLevel(logging.WARNING)
    zone_start = datetime.combine(datetime.now().date(), time(3, 0))
    with tempfile.TemporaryDirectory(prefix="retaildesk-demo-") as folder:
        async with Standin() as tg:
            settings = demo_settings(tg, Path(folder))
            story = zone_start.replace(tzinfo=settings.zone())
            if console:
                # The history keeps config.toml's ladder: its weeks read as a real desk's would.
                await play_history(demo_settings(tg, Path(folder), compressed=False), story)
            clock = ShiftedClock(story)
            app = build(settings, clock=clock)
            stop = asyncio.Event()
            running = asyncio.create_task(serve(app, stop))
            try:
                await _story(tg, Timeline(clock, settings))
                if console:
                    await _console(app, tg, until)
            finally:
                stop.set()
                await running
    return 0


async def _console(app: RetailDesk, tg: Standin, until: asyncio.Event | None) -> None:
    """Leave a question waiting, serve the console, and print the supervisor's link."""
    # Another retailer (赵强, 王经理's) asks, and nobody answers while the console is open.
    tg.user(810000003, "赵强").send("还有黄鹤楼（软蓝）吗？周末要五条。")
    await tg.wait_message(5002, "黄鹤楼", timeout=15)
    # Any free loopback port: the demo must not clash with a desk already running.
    sock = socket.create_server(("127.0.0.1", 0))
    console_served_at(app, sock)
    server = uvicorn.Server(server_config(callbacks_app(app)))
    web = asyncio.create_task(server.serve([sock]), name="console")
    assert app.console is not None

    async def show(link: str) -> None:
        print(f"\nThe console, for 陈主任 (s1): open this one-time link within 15 minutes:\n{link}")

    await link_maker(app.console)(app.desk.ctx.team.supervisors["s1"], show)
    print("Serving it until Ctrl-C.", flush=True)
    stop = until or asyncio.Event()
    if until is None:
        install_stop_signals(stop)
    await stop.wait()
    server.should_exit = True
    await web
    sock.close()


async def _story(tg: Standin, timeline: Timeline) -> None:
    print("RetailDesk demo: a retailer asks at 3 a.m.; the ladder is compressed to seconds.\n")
    zhang = tg.user(810000001, "张伟")
    li, wang, chen = tg.user(5001, "李经理"), tg.user(5002, "王经理"), tg.user(7001, "陈主任")
    stranger = tg.user(6660001, "路人甲")
    await tg.wait_for(lambda: tg.calls_to("getUpdates"), timeout=15)

    question = "李经理，软中华还有货吗？明早想订两条。"
    zhang.send(question)
    timeline.saw("张伟", question, sent=True)
    await _see(tg, timeline, zhang, "张伟", contains="已收到")
    await _see(tg, timeline, zhang, "张伟", contains="指南")
    await _see(tg, timeline, li, "李经理")
    timeline.saw("李经理", "(phone switched off for the night: no answer)", aside=True)
    await _see(tg, timeline, li, "李经理", within=15)
    escalation = await _see(tg, timeline, wang, "王经理", within=15)

    answer = "张老板您好，软中华有货，明早八点前给您送两条。"
    wang.send(answer, reply_to=escalation)
    timeline.saw("王经理", answer, sent=True)
    await _see(tg, timeline, zhang, "张伟", contains="王经理")

    stranger.send("你好，我想进货")
    timeline.saw("路人甲", "你好，我想进货", sent=True)
    await _see(tg, timeline, stranger, "路人甲")
    print(f"\n{chen.first_name} was not needed: the backup answered before the last step.")
    print("Run `retaildesk report` on a real database for the weekly response-time summary.")


async def _see(
    tg: Standin,
    timeline: Timeline,
    person: StandinUser,
    name: str,
    within: float = 10.0,
    contains: str | None = None,
) -> dict[str, Any]:
    message = await tg.wait_message(person.chat_id, contains, timeout=within)
    timeline.saw(name, str(message.get("text") or message.get("caption") or ""))
    return message
