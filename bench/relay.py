"""Relay throughput: a burst of questions until each is acknowledged and forwarded.

The floor is a bare python-telegram-bot echo bot (stores nothing, one message per update) on
the same stand-in in the same run. RetailDesk stores every update, ticket, event and outbox
row in SQLite and sends two messages per question.

    python -m bench.relay                 # N = 300 and 3000, 5 rounds each
    python -m bench.relay --smoke         # N = 30, one round (CI)
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, filters

from bench.standin_process import StandinProcess
from bot.app import build, serve
from bot.config import Settings

MANAGERS = 10
FIRST_RETAILER = 1_000_000


@dataclass(frozen=True)
class Round:
    """One burst's figures."""

    seconds: float
    per_second: float
    p50_ms: float
    p99_ms: float


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


@asynccontextmanager
async def retaildesk(tg: StandinProcess, n: int) -> AsyncIterator[None]:
    with tempfile.TemporaryDirectory(prefix="bench-relay-") as folder:
        app = build(settings_for(tg, Path(folder), n))
        stop = asyncio.Event()
        task = asyncio.create_task(serve(app, stop))
        await wait_polling(tg, task)
        try:
            yield
        finally:
            stop.set()
            await task


@asynccontextmanager
async def echo_bot(tg: StandinProcess, n: int) -> AsyncIterator[None]:
    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(update.effective_message.text or "")

    app: Application = ApplicationBuilder().token(tg.token).base_url(tg.base_url).build()  # type: ignore[type-arg]
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


async def wait_polling(tg: StandinProcess, task: asyncio.Task[None]) -> None:
    while not any(
        c["method"].lower() == "getupdates" for c in await asyncio.to_thread(tg.calls, 0)
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
    started = await asyncio.to_thread(tg.burst, questions)
    await asyncio.to_thread(tg.wait_messages, before + n * replies_each)
    sends = [c for c in await asyncio.to_thread(tg.calls, calls_before) if c["status"] == 200]
    finished = max(c["at"] for c in sends if c["method"].lower() != "getupdates")
    latencies = sorted((c["at"] - started) * 1000 for c in sends if forwarded(c))
    cuts = (
        statistics.quantiles(latencies, n=100, method="inclusive")
        if len(latencies) > 1
        else latencies * 99
    )
    seconds = finished - started
    return Round(seconds, n / seconds, statistics.median(latencies), cuts[98])


def is_forward(call: dict[str, Any]) -> bool:
    params = call["params"]
    return (
        call["method"].lower() in {"sendmessage", "copymessage"}
        and 5000 <= int(params.get("chat_id", 0)) < 5000 + MANAGERS
    )


def is_echo(call: dict[str, Any]) -> bool:
    return call["method"].lower() == "sendmessage"


async def rounds(
    tg: StandinProcess,
    bot: Callable[[StandinProcess, int], AbstractAsyncContextManager[None]],
    n: int,
    count: int,
    replies_each: int,
    forwarded: Callable[[dict[str, Any]], bool],
) -> list[Round]:
    results = []
    for r in range(count):
        async with bot(tg, n):
            results.append(await burst(tg, n, replies_each, f"r{r}", forwarded))
    return results


def median_round(results: list[Round]) -> Round:
    return Round(
        statistics.median(r.seconds for r in results),
        statistics.median(r.per_second for r in results),
        statistics.median(r.p50_ms for r in results),
        statistics.median(r.p99_ms for r in results),
    )


async def main(sizes: list[int], count: int) -> list[str]:
    lines = [
        "| N | echo floor q/s | RetailDesk q/s | ratio | RetailDesk p50 ms | p99 ms | echo p50 ms |",
        "|---|---|---|---|---|---|---|",
    ]
    for n in sizes:
        with StandinProcess() as tg:
            await asyncio.to_thread(tg.users, people(n))
            floor = median_round(await rounds(tg, echo_bot, n, count, 1, is_echo))
            desk = median_round(await rounds(tg, retaildesk, n, count, 2, is_forward))
        lines.append(
            f"| {n} | {floor.per_second:.0f} | {desk.per_second:.0f} | {desk.per_second / floor.per_second:.2f} "
            f"| {desk.p50_ms:.0f} | {desk.p99_ms:.0f} | {floor.p50_ms:.0f} |"
        )
        print(lines[-1], flush=True)
    return lines


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--smoke", action="store_true", help="N = 30, one round, for CI")
    parser.add_argument("--sizes", type=int, nargs="+", default=[300, 3000])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    sizes, count = ([30], 1) if args.smoke else (args.sizes, args.rounds)
    print("\n".join(asyncio.run(main(sizes, count))))
