"""Scale-out: webhook ingest throughput and escalation lag, SQLite beside PostgreSQL.

Each round starts `retaildesk serve` (one process on SQLite; one and two processes on a fresh
PostgreSQL database) against the stand-in in its own process, posts N questions from N
retailers as Telegram would (32 in flight, round robin over the workers), and waits until every
ticket's first ladder step has been sent. Two figures, each beside a floor measured in the same
run, alternating round by round:

- ingest: questions per second until every post was answered 200 (stored in the inbox, the
  desk working on them meanwhile); floor: a bare Starlette app under uvicorn answering 200
  without storing anything, posted to by the same client;
- escalation lag: from each step's due time (opened + `after`) to the moment its reminder was
  sent; floor: bare python-telegram-bot send_message calls at the same due offsets to the same
  stand-in.

    python -m bench.scaleout                          # N = 500, 3 rounds
    python -m bench.scaleout --sizes 200 1000 --rounds 5
    python -m bench.scaleout --setups postgresql:2   # one setup only
    python -m bench.scaleout --smoke                  # N = 50, one round
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import Bot

from bench import measure
from bench.standin_process import StandinProcess
from storage.engine import async_url, make_engine
from storage.tables import outbox, tickets

ROOT = Path(__file__).resolve().parents[1]
MANAGERS = 10
FIRST_RETAILER = 1_000_000
SECRET = "bench-hook_secret"
PARALLEL_POSTS = 32
SETUPS = (("sqlite", 1), ("postgresql", 1), ("postgresql", 2))


@dataclass(frozen=True)
class Round:
    """One round's figures."""

    ingest_per_second: float
    lag_p50_ms: float
    lag_p99_ms: float
    fired_p50_ms: float
    offsets: tuple[float, ...] = ()


def floor_app() -> Starlette:
    """Return the ingest floor: the same server stack, answering 200 and storing nothing."""

    async def receive(request: Request) -> Response:
        json.loads(await request.body())
        return Response(status_code=200)

    return Starlette(routes=[Route("/telegram", receive, methods=["POST"])])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def people(n: int) -> list[dict[str, Any]]:
    staff = [{"user_id": 5000 + m, "first_name": f"经理{m}"} for m in range(MANAGERS)]
    staff.append({"user_id": 7001, "first_name": "主任"})
    return staff + [{"user_id": FIRST_RETAILER + i, "first_name": f"零售户{i}"} for i in range(n)]


def question(i: int) -> dict[str, Any]:
    chat = {"id": FIRST_RETAILER + i, "type": "private", "first_name": f"零售户{i}"}
    sender = {"id": chat["id"], "is_bot": False, "first_name": chat["first_name"]}
    message = {"message_id": 1, "date": int(time.time()), "chat": chat, "from": sender}
    return {"update_id": i + 1, "message": message | {"text": f"问题-{i} 中华到货了吗？"}}


def write_config(folder: Path, tg: StandinProcess, url: str, n: int, after: float) -> Path:
    rows = ["id,name,shop,phone,manager,telegram_id"]
    rows += [
        f"r{i},零售户{i},店{i},139{i:08d},m{i % MANAGERS},{FIRST_RETAILER + i}" for i in range(n)
    ]
    (folder / "retailers.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    managers = "".join(
        f'[[managers]]\nid = "m{m}"\nname = "经理{m}"\ntelegram_id = {5000 + m}\nsupervisor = "s1"\n'
        for m in range(MANAGERS)
    )
    config = folder / "config.toml"
    config.write_text(
        f"""[telegram]
token = "{tg.token}"
base_url = "{tg.base_url}"
messages_per_second = 0
webhook_url = "http://127.0.0.1:1/telegram"
secret_token = "{SECRET}"

[storage]
url = "{url}"

[escalation]
steps = [{{ after = {round(after)}, notify = "manager" }}]

[[supervisors]]
id = "s1"
name = "主任"
telegram_id = 7001

{managers}
[roster]
retailers_csv = "retailers.csv"
""",
        encoding="utf-8",
    )
    return config


class Worker:
    """One `retaildesk serve` process on a port of its own."""

    def __init__(self, config: Path, port: int) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("RETAILDESK_")}
        self.url = f"http://127.0.0.1:{port}"
        self.log = (config.parent / f"serve-{port}.log").open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", "--config", str(config)],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            # Health on the webhook's own port, as the bench's clients expect it there.
            env=env
            | {"RETAILDESK_SERVE__PORT": str(port), "RETAILDESK_SERVE__METRICS_PORT": str(port)},
            cwd=ROOT,
        )

    async def healthy(self, client: httpx.AsyncClient) -> dict[str, Any]:
        for _ in range(600):
            if self.process.poll() is not None:
                raise RuntimeError(f"serve exited with {self.process.returncode}:\n{self.tail()}")
            try:
                response = await client.get(f"{self.url}/healthz")
                if response.status_code == 200:
                    health: dict[str, Any] = response.json()
                    return health
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.05)
        raise TimeoutError("serve never became healthy")

    def tail(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(encoding="utf-8")[-2000:]

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=60)
        self.log.close()


@asynccontextmanager
async def database(backend: str, folder: Path, pg_url: str) -> AsyncIterator[str]:
    """Yield a fresh database's URL: a SQLite file, or a new PostgreSQL database."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'bench.db'}"
        return
    name = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(async_url(pg_url), isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(pg_url).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        await admin.dispose()


async def post_all(
    client: httpx.AsyncClient, urls: list[str], updates: list[dict[str, Any]]
) -> float:
    """Post every update, round robin over urls; return the seconds until all were answered 200."""
    turn = itertools.count()
    queue = list(reversed(updates))

    async def lane() -> None:
        while queue:
            update = queue.pop()
            while True:
                url = urls[next(turn) % len(urls)]
                response = await client.post(
                    url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
                )
                if response.status_code == 200:
                    break

    with measure.Stopwatch() as watch:
        await asyncio.gather(*(lane() for _ in range(PARALLEL_POSTS)))
    return watch.seconds


async def desk_round(
    tg: StandinProcess, backend: str, workers: int, n: int, after: float, pg_url: str
) -> Round:
    with tempfile.TemporaryDirectory(prefix="bench-scaleout-") as tmp:
        folder = Path(tmp)
        async with (
            database(backend, folder, pg_url) as url,
            httpx.AsyncClient(timeout=30) as client,
        ):
            config = write_config(folder, tg, url, n, after)
            started: list[Worker] = []
            try:
                for _ in range(workers):
                    # One at a time, so the first is the sender and the rest only ingest.
                    started.append(Worker(config, free_port()))
                    await started[-1].healthy(client)
                urls = [f"{w.url}/telegram" for w in started]
                seconds = await post_all(client, urls, [question(i) for i in range(n)])
                lags = await reminder_lags(url, n, after)
            finally:
                for worker in started:
                    worker.stop()
    offsets = tuple(sorted(due for due, _, _ in lags))
    late = [lag for _, lag, _ in lags]
    fired = [lag for _, _, lag in lags]
    return Round(
        n / seconds,
        measure.median(late),
        measure.percentile(late, 99),
        measure.median(fired),
        offsets,
    )


async def reminder_lags(url: str, n: int, after: float) -> list[tuple[float, float, float]]:
    """Wait until every reminder is sent; return (due offset, sent lag, fired lag) for each."""
    engine = make_engine(url)
    sent = select(func.count()).where(outbox.c.kind == "reminder", outbox.c.state == "sent")
    try:
        for _ in range(int((after + 120) * 10)):
            async with engine.connect() as conn:
                if await conn.scalar(sent) == n:
                    break
            await asyncio.sleep(0.1)
        else:
            raise TimeoutError("not every reminder was sent")
        query = (
            select(tickets.c.opened_at, outbox.c.sent_at, outbox.c.created_at)
            .join(tickets, tickets.c.id == outbox.c.ticket_id)
            .where(outbox.c.kind == "reminder")
        )
        async with engine.connect() as conn:
            rows = (await conn.execute(query)).all()
    finally:
        await engine.dispose()
    due = [opened + timedelta(seconds=after) for opened, _, _ in rows]
    first = min(due)
    # The reminder row is written when the step fires, so created_at is the firing time.
    return [
        (
            (d - first).total_seconds(),
            (sent - d).total_seconds() * 1000,
            (fired - d).total_seconds() * 1000,
        )
        for d, (_, sent, fired) in zip(due, rows, strict=True)
    ]


async def floor_ingest(n: int) -> float:
    port = free_port()
    argv = ["-m", "uvicorn", "--factory", "bench.scaleout:floor_app", "--port", str(port)]
    server = await asyncio.create_subprocess_exec(
        sys.executable, *argv, "--log-level", "warning", "--no-access-log", cwd=ROOT
    )
    url = f"http://127.0.0.1:{port}/telegram"
    try:
        async with httpx.AsyncClient(timeout=30) as client:
            for _ in range(600):
                try:
                    await client.post(url, json=question(0))
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.05)
            seconds = await post_all(client, [url], [question(i) for i in range(n)])
    finally:
        server.terminate()
        await server.wait()
    return n / seconds


async def floor_lag(tg: StandinProcess, offsets: tuple[float, ...]) -> tuple[float, float]:
    """Send one message per due offset when it falls due; return the p50 and p99 lag in ms."""
    bot = Bot(tg.token, base_url=tg.base_url)
    await bot.initialize()
    loop = asyncio.get_running_loop()
    start = loop.time() + 1.0
    lags: list[float] = []

    async def at(i: int, offset: float) -> None:
        await asyncio.sleep(max(0.0, start + offset - loop.time()))
        await bot.send_message(5000 + i % MANAGERS, f"提醒 {i}")
        lags.append((loop.time() - start - offset) * 1000)

    try:
        await asyncio.gather(*(at(i, offset) for i, offset in enumerate(offsets)))
    finally:
        await bot.shutdown()
    return measure.median(lags), measure.percentile(lags, 99)


async def main(
    sizes: list[int],
    rounds: int,
    after: float,
    pg_url: str,
    setups: list[tuple[str, int]],
) -> list[dict[str, Any]]:
    results = []
    for n in sizes:
        with StandinProcess() as tg:
            await asyncio.to_thread(tg.users, people(n))
            for backend, workers in setups:
                desk: list[Round] = []
                floors: list[tuple[float, float, float]] = []
                for _ in range(rounds):
                    desk.append(await desk_round(tg, backend, workers, n, after, pg_url))
                    floors.append((await floor_ingest(n), *await floor_lag(tg, desk[-1].offsets)))
                row = summary(n, backend, workers, desk, floors)
                results.append(row)
                print(render([row]).splitlines()[-1], flush=True)
    return results


def summary(
    n: int, backend: str, workers: int, desk: list[Round], floors: list[tuple[float, float, float]]
) -> dict[str, Any]:
    ingest = measure.median([r.ingest_per_second for r in desk])
    floor_ingest_ = measure.median([f[0] for f in floors])
    lag50 = measure.median([r.lag_p50_ms for r in desk])
    floor50 = measure.median([f[1] for f in floors])
    return {
        "n": n,
        "setup": f"{backend} x{workers}",
        "ingest_per_second": round(ingest, 1),
        "floor_ingest_per_second": round(floor_ingest_, 1),
        "ingest_ratio": round(ingest / floor_ingest_, 3),
        "lag_p50_ms": round(lag50, 1),
        "lag_p99_ms": round(measure.median([r.lag_p99_ms for r in desk]), 1),
        "fired_p50_ms": round(measure.median([r.fired_p50_ms for r in desk]), 1),
        "floor_lag_p50_ms": round(floor50, 1),
        "floor_lag_p99_ms": round(measure.median([f[2] for f in floors]), 1),
        "lag_p50_ratio": round(lag50 / floor50, 1) if floor50 else float("nan"),
        "rounds": [asdict(r) | {"offsets": len(r.offsets)} for r in desk],
    }


def render(rows: list[dict[str, Any]]) -> str:
    return measure.table(
        [
            "N",
            "setup",
            "ingest q/s",
            "floor q/s",
            "ratio",
            "lag p50 ms",
            "lag p99 ms",
            "fired p50 ms",
            "floor p50 ms",
            "floor p99 ms",
            "p50 ratio",
        ],
        [
            [
                r["n"],
                r["setup"],
                r["ingest_per_second"],
                r["floor_ingest_per_second"],
                r["ingest_ratio"],
                r["lag_p50_ms"],
                r["lag_p99_ms"],
                r["fired_p50_ms"],
                r["floor_lag_p50_ms"],
                r["floor_lag_p99_ms"],
                r["lag_p50_ratio"],
            ]
            for r in rows
        ],
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--smoke", action="store_true", help="N = 50, one round")
    parser.add_argument("--sizes", type=int, nargs="+", default=[500])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--after", type=int, default=10, help="seconds to the first step")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get(
            "RETAILDESK_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test"
        ),
        help="a PostgreSQL database to create the benchmark's databases from",
    )
    parser.add_argument(
        "--setups",
        nargs="+",
        default=[f"{backend}:{workers}" for backend, workers in SETUPS],
        help="database:workers pairs, e.g. postgresql:2",
    )
    parser.add_argument("--save", help="write the figures to bench/results/NAME.json")
    args = parser.parse_args()
    setups = [(name, int(count)) for name, count in (s.split(":") for s in args.setups)]
    sizes, count, after = ([50], 1, 3) if args.smoke else (args.sizes, args.rounds, args.after)
    figures = asyncio.run(main(sizes, count, after, args.pg_url, setups))
    print(render(figures))
    if args.save:
        print(measure.save(args.save, {"scaleout": figures}))
