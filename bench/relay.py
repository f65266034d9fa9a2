"""Relay throughput: a burst of questions until each is acknowledged and forwarded.

The floors run on the same stand-in, in the same run, alternating with RetailDesk round by
round:
- a bare python-telegram-bot echo bot (stores nothing, one message per update), once with PTB's
  default transport (httpx) and once with the aiohttp transport RetailDesk itself uses;
- a bare aiogram 3 bot that, like a feedback bot, acknowledges each message to its sender and
  forwards the text to one staff chat (two messages per question, as RetailDesk), storing
  nothing. It needs the bench extra (`pip install -e '.[bench]'`) and is skipped without it.
RetailDesk stores every update, ticket, message, event and outbox row in SQLite and sends two
messages per question (the acknowledgement and the forward to the manager).

    python -m bench.relay                               # N = 300 and 3000, 5 rounds each
    python -m bench.relay --sizes 300 --hog             # the same beside a process spinning a core
    python -m bench.relay --open-tickets 10000 100000 1000000 --sizes 300 --rounds 3
    python -m bench.relay --smoke                       # N = 30, one round (CI)
    python -m bench.relay --sizes 1000 --rounds 3 --profile /tmp/relay-profile   # py-spy
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, filters

from bench import measure
from bench.province import Province, add_open_tickets, mark_reports_sent, migrate
from bench.standin_process import StandinProcess
from bot.app import build, serve
from bot.config import Settings
from handlers.telegram.transport import AiohttpRequest

MANAGERS = 10
FIRST_RETAILER = 1_000_000
# The aiogram bot forwards every question to this one staff chat (a manager's, so it counts).
STAFF_CHAT = 5000
NO_AIOGRAM = "aiogram floor skipped: aiogram is not installed (pip install -e '.[bench]')"


@dataclass(frozen=True)
class Round:
    """One burst's figures."""

    seconds: float
    per_second: float
    p50_ms: float
    p99_ms: float
    cpu_ms: float  # CPU of this process (the bot) per question
    standin_cpu_ms: float  # CPU of the stand-in per question, on the same two cores


def people(n: int) -> list[dict[str, Any]]:
    staff = [{"user_id": 5000 + m, "first_name": f"经理{m}"} for m in range(MANAGERS)]
    return staff + [{"user_id": FIRST_RETAILER + i, "first_name": f"零售户{i}"} for i in range(n)]


def settings_for(tg: StandinProcess, folder: Path, n: int) -> Settings:
    rows = ["id,name,shop,phone,manager,telegram_id"]
    rows += [
        f"r{i},零售户{i},店{i},139{i:08d},m{i % MANAGERS},{FIRST_RETAILER + i}" for i in range(n)
    ]
    (folder / "retailers.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    mapping = {
        "telegram": {
            "token": tg.token,
            "base_url": tg.base_url,
            "poll_timeout": 1,
            "messages_per_second": 0,
        },
        "storage": {"url": "sqlite:///bench.db"},
        "supervisors": [{"id": "s1", "name": "主任", "telegram_id": 7001}],
        "managers": [
            {"id": f"m{m}", "name": f"经理{m}", "telegram_id": 5000 + m, "supervisor": "s1"}
            for m in range(MANAGERS)
        ],
        "escalation": {"steps": [{"after": "15m", "notify": "manager"}]},
        "roster": {"retailers_csv": "retailers.csv"},
    }
    return Settings.from_mapping(mapping, env={}, config_dir=folder)


async def prefilled(folder: Path, n: int, open_tickets: int) -> Path:
    """Build a database holding `open_tickets` waiting tickets of retailers outside the burst."""
    db = folder / "template.db"
    await migrate(db)
    now = datetime.now(UTC)
    # Last week's summary counts as sent, so no catch-up delivery runs during the burst.
    await asyncio.to_thread(mark_reports_sent, db, ["s1"], now)
    if open_tickets:
        # The burst's retailers (0..n-1) have no ticket yet, so every question opens one.
        province = Province(retailers=n + 10_000, managers=MANAGERS, supervisors=1)
        await asyncio.to_thread(
            add_open_tickets, db, province, open_tickets, first_retailer=n, now=now
        )
    return db


def retaildesk_with(template: Path) -> Callable[..., AbstractAsyncContextManager[None]]:
    """Return a RetailDesk runner that starts from a copy of `template`."""

    @asynccontextmanager
    async def retaildesk(tg: StandinProcess, n: int) -> AsyncIterator[None]:
        with tempfile.TemporaryDirectory(prefix="bench-relay-") as folder:
            await asyncio.to_thread(shutil.copy, template, Path(folder) / "bench.db")
            app = build(settings_for(tg, Path(folder), n))
            stop = asyncio.Event()
            since = (await asyncio.to_thread(tg.stats))["calls"]
            task = asyncio.create_task(serve(app, stop))
            await wait_polling(tg, task, since)
            try:
                yield
            finally:
                stop.set()
                await task

    return retaildesk


def echo_bot(transport: str) -> Callable[..., AbstractAsyncContextManager[None]]:
    """Return a runner for the bare echo bot on PTB's default transport or on aiohttp."""

    @asynccontextmanager
    async def run(tg: StandinProcess, n: int) -> AsyncIterator[None]:
        builder = ApplicationBuilder().token(tg.token).base_url(tg.base_url)
        if transport == "aiohttp":
            builder = builder.request(AiohttpRequest(connection_pool_size=32))
            builder = builder.get_updates_request(AiohttpRequest(connection_pool_size=1))
        async with _echo(builder.build()):
            yield

    return run


@asynccontextmanager
async def _echo(app: Application) -> AsyncIterator[None]:  # type: ignore[type-arg]
    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(update.effective_message.text or "")

    app.add_handler(MessageHandler(filters.TEXT, echo))
    await app.initialize()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)
    await app.start()
    try:
        yield
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


def has_aiogram() -> bool:
    """Tell whether the aiogram floor can run here."""
    return importlib.util.find_spec("aiogram") is not None


@asynccontextmanager
async def aiogram_bot(tg: StandinProcess, n: int) -> AsyncIterator[None]:
    """Run a bare aiogram 3 bot: acknowledge each message, forward its text to staff."""
    # Imported here: aiogram is a bench-only extra, and CI's smoke run goes without it.
    from aiogram import Bot, Dispatcher
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.types import Message

    server = TelegramAPIServer.from_base(tg.base_url.removesuffix("/bot"))
    bot = Bot(tg.token, session=AiohttpSession(api=server))
    dispatcher = Dispatcher()

    @dispatcher.message()
    async def relay(message: Message) -> None:
        await message.answer("已收到您的问题，客户经理会尽快回复。")
        sender = message.from_user.full_name if message.from_user else message.chat.id
        await bot.send_message(STAFF_CHAT, f"{sender}: {message.text}")

    since = (await asyncio.to_thread(tg.stats))["calls"]
    polling = asyncio.create_task(
        dispatcher.start_polling(bot, polling_timeout=1, handle_signals=False)
    )
    await wait_polling(tg, polling, since)
    try:
        yield
    finally:
        await dispatcher.stop_polling()
        await polling


@contextmanager
def cpu_hog(on: bool) -> Iterator[None]:
    """Keep one core busy in a separate process for the block, when asked to."""
    if not on:
        yield
        return
    hog = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        yield
    finally:
        hog.terminate()
        hog.wait(timeout=10)


async def wait_polling(tg: StandinProcess, task: asyncio.Task[None], since: int) -> None:
    """Return once this bot has polled: a getUpdates after call number `since`."""
    while not any(
        c["method"].lower() == "getupdates" for c in await asyncio.to_thread(tg.calls, since)
    ):
        if task.done():
            task.result()
        await asyncio.sleep(0.05)


async def burst(
    tg: StandinProcess,
    n: int,
    replies_each: int,
    label: str,
    forwarded: Callable[[dict[str, Any]], bool],
) -> Round:
    before = (await asyncio.to_thread(tg.stats))["bot_messages"]
    calls_before = (await asyncio.to_thread(tg.stats))["calls"]
    questions = [(FIRST_RETAILER + i, f"{label}-问题-{i}") for i in range(n)]
    cpu, standin_cpu = time.process_time(), tg.cpu_seconds()
    started = await asyncio.to_thread(tg.burst, questions)
    await asyncio.to_thread(tg.wait_messages, before + n * replies_each)
    cpu, standin_cpu = time.process_time() - cpu, tg.cpu_seconds() - standin_cpu
    sends = [c for c in await asyncio.to_thread(tg.calls, calls_before) if c["status"] == 200]
    finished = max(c["at"] for c in sends if c["method"].lower() != "getupdates")
    latencies = sorted((c["at"] - started) * 1000 for c in sends if forwarded(c))
    seconds = finished - started
    return Round(
        seconds,
        n / seconds,
        measure.median(latencies),
        measure.percentile(latencies, 99),
        cpu * 1000 / n,
        standin_cpu * 1000 / n,
    )


def is_forward(call: dict[str, Any]) -> bool:
    params = call["params"]
    return (
        call["method"].lower() in {"sendmessage", "copymessage"}
        and 5000 <= int(params.get("chat_id", 0)) < 5000 + MANAGERS
    )


def is_echo(call: dict[str, Any]) -> bool:
    return call["method"].lower() == "sendmessage"


def median_round(results: list[Round]) -> Round:
    return Round(
        *(measure.median([getattr(r, f) for r in results]) for f in Round.__dataclass_fields__)
    )


@asynccontextmanager
async def profiled(folder: Path | None, name: str) -> AsyncIterator[None]:
    """Sample this process with py-spy (the GIL's holder, raw stacks) while the block runs."""
    if folder is None:
        yield
        return
    command = ["py-spy", "record", "--gil", "-r", "250", "-f", "raw"]
    command += ["-o", str(folder / f"{name}.txt"), "-p", str(os.getpid())]
    spy = await asyncio.create_subprocess_exec(
        *command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    # py-spy takes about a second to attach; the burst must not start before it samples.
    await asyncio.sleep(1.5)
    try:
        yield
    finally:
        spy.send_signal(signal.SIGINT)
        await spy.wait()


async def measure_size(
    n: int, count: int, open_tickets: int, hog: bool = False, profile: Path | None = None
) -> dict[str, Any]:
    """Alternate the floors and RetailDesk bursts of n questions; return the medians."""
    floors: list[Round] = []
    same: list[Round] = []
    aiogram: list[Round] = []
    desks: list[Round] = []
    with_aiogram = has_aiogram()
    with tempfile.TemporaryDirectory(prefix="bench-relay-template-") as folder:
        template = await prefilled(Path(folder), n, open_tickets)
        retaildesk = retaildesk_with(template)
        with StandinProcess() as tg, cpu_hog(hog):
            await asyncio.to_thread(tg.users, people(n))
            for r in range(count):
                async with echo_bot("httpx")(tg, n):
                    floors.append(await burst(tg, n, 1, f"e{r}", is_echo))
                async with echo_bot("aiohttp")(tg, n):
                    same.append(await burst(tg, n, 1, f"a{r}", is_echo))
                if with_aiogram:
                    async with aiogram_bot(tg, n):
                        aiogram.append(await burst(tg, n, 2, f"g{r}", is_forward))
                async with retaildesk(tg, n), profiled(profile, f"retaildesk-{n}-{r}"):
                    desks.append(await burst(tg, n, 2, f"d{r}", is_forward))
    floor, floor_same, desk = median_round(floors), median_round(same), median_round(desks)
    row: dict[str, Any] = {
        "n": n,
        "open_tickets": open_tickets,
        "rounds": count,
        "cpu_hog": hog,
        "floor": asdict(floor),
        "floor_same_transport": asdict(floor_same),
        "desk": asdict(desk),
        "ratio": desk.per_second / floor.per_second,
        "ratio_same_transport": desk.per_second / floor_same.per_second,
        "ratios": [d.per_second / f.per_second for d, f in zip(desks, floors, strict=True)],
        "ratios_same_transport": [
            d.per_second / f.per_second for d, f in zip(desks, same, strict=True)
        ],
        "floor_aiogram": None,
        "ratio_aiogram": None,
        "ratios_aiogram": [],
    }
    if aiogram:
        floor_aiogram = median_round(aiogram)
        row["floor_aiogram"] = asdict(floor_aiogram)
        row["ratio_aiogram"] = desk.per_second / floor_aiogram.per_second
        row["ratios_aiogram"] = [
            d.per_second / g.per_second for d, g in zip(desks, aiogram, strict=True)
        ]
    return row


def _aiogram(r: dict[str, Any], field: str, form: str) -> str:
    floor = r.get("floor_aiogram")
    return "-" if not floor else format(floor[field], form)


def render(rows: list[dict[str, Any]]) -> str:
    return measure.table(
        [
            "N",
            "open tickets",
            "load",
            "echo floor q/s (httpx / aiohttp)",
            "aiogram floor q/s",
            "RetailDesk q/s",
            "ratio (httpx / aiohttp / aiogram floor)",
            "p50 ms",
            "p99 ms",
            "echo p50 ms",
            "bot CPU ms/q (echo httpx / aiohttp / aiogram / RetailDesk)",
            "stand-in CPU ms/q (echo httpx / aiohttp / aiogram / RetailDesk)",
        ],
        [
            [
                r["n"],
                f"{r['open_tickets']:,}",
                "CPU hog" if r.get("cpu_hog") else "quiet",
                f"{r['floor']['per_second']:.0f} / {r['floor_same_transport']['per_second']:.0f}",
                _aiogram(r, "per_second", ".0f"),
                f"{r['desk']['per_second']:.0f}",
                f"{r['ratio']:.2f} / {r['ratio_same_transport']:.2f} / "
                + ("-" if r.get("ratio_aiogram") is None else f"{r['ratio_aiogram']:.2f}"),
                f"{r['desk']['p50_ms']:.0f}",
                f"{r['desk']['p99_ms']:.0f}",
                f"{r['floor']['p50_ms']:.0f}",
                f"{r['floor']['cpu_ms']:.2f} / {r['floor_same_transport']['cpu_ms']:.2f}"
                f" / {_aiogram(r, 'cpu_ms', '.2f')} / {r['desk']['cpu_ms']:.2f}",
                f"{r['floor']['standin_cpu_ms']:.2f} / {r['floor_same_transport']['standin_cpu_ms']:.2f}"
                f" / {_aiogram(r, 'standin_cpu_ms', '.2f')} / {r['desk']['standin_cpu_ms']:.2f}",
            ]
            for r in rows
        ],
    )


async def main(
    sizes: list[int],
    count: int,
    open_tickets: list[int],
    hog: bool = False,
    profile: Path | None = None,
) -> list[dict[str, Any]]:
    if not has_aiogram():
        print(NO_AIOGRAM, flush=True)
    rows = []
    for tickets in open_tickets:
        for n in sizes:
            rows.append(await measure_size(n, count, tickets, hog, profile))
            print(render(rows[-1:]).splitlines()[-1], flush=True)
    return rows


def run(
    *,
    smoke: bool = False,
    sizes: list[int] | None = None,
    rounds: int = 5,
    open_tickets: list[int] | None = None,
    hog: bool = False,
    profile: Path | None = None,
) -> list[dict[str, Any]]:
    """Run the relay benchmark and return its rows."""
    if profile is not None:
        profile.mkdir(parents=True, exist_ok=True)
    if smoke:
        return asyncio.run(main([30], 1, [0], hog))
    return asyncio.run(main(sizes or [300, 3000], rounds, open_tickets or [0], hog, profile))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--smoke", action="store_true", help="N = 30, one round, for CI")
    parser.add_argument("--sizes", type=int, nargs="+", default=[300, 3000])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--open-tickets", type=int, nargs="+", default=[0])
    parser.add_argument(
        "--hog", action="store_true", help="run beside a separate process spinning one core"
    )
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="write a py-spy profile (--gil, raw) of each RetailDesk burst into DIR; needs the"
        " right to ptrace this process, and the sampling inflates the figures",
    )
    parser.add_argument("--save", help="write the figures to bench/results/NAME.json")
    args = parser.parse_args()
    results = run(
        smoke=args.smoke,
        sizes=args.sizes,
        rounds=args.rounds,
        open_tickets=args.open_tickets,
        hog=args.hog,
        profile=args.profile,
    )
    print(render(results))
    if args.save:
        print(measure.save(args.save, {args.save: results}))
