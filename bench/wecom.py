"""WeChat relay throughput: a burst of kf questions through the WeCom stand-in.

N linked retailers each write one question to 微信客服 at once. For every question the
stand-in's driver encrypts, signs and posts a kf_msg_or_event callback; the clock runs from the
first post until the stand-in has received, for every question, the acknowledgement
(kf/send_msg to the retailer) and, for RetailDesk, the forward to the manager (message/send).
RetailDesk stores the callback, syncs with its stored cursor, and stores every ticket, message,
event and outbox row before it sends.

**Floor**, in the same run and alternating with RetailDesk round by round: a bare aiohttp
handler on the same stand-in that verifies and decrypts each callback and answers it with an
empty 200, syncs (one sync at a time, cursor in memory) and answers each synced message once
with kf/send_msg, storing nothing: one message per question where RetailDesk sends two.

The callback's answer time is the HTTP 200 latency as the driver sees it: from its POST to the
answer, queueing in its own connection pool (100 connections, aiohttp's default) included.
WeCom retries a callback not answered within 5 seconds.

The stand-in (API and driver) runs on an event loop of its own in a thread, so the driver's
timings are not stuck behind the desk's loop; it shares the process, the GIL and the two cores.

    python -m bench.wecom                     # N = 300, 5 rounds
    python -m bench.wecom --sizes 300 1000 --rounds 3
    python -m bench.wecom --smoke             # N = 20, one round (CI)
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import uvicorn
from aiohttp import web

from bench import measure
from bench.province import mark_reports_sent, migrate
from bot.app import build, prepare, serve
from bot.config import Settings
from bot.listeners import server_config
from bot.web import callbacks_app
from desk.clock import SystemClock
from handlers.wecom.crypto import CallbackCrypto
from handlers.wecom.scene import sign
from handlers.wecom.standin import WecomStandin, inner
from handlers.wecom.xmlmsg import KfNotice, parse_envelope, parse_message

T = TypeVar("T")

# WeCom drops app messages over 30 a minute per member (the desk paces under 28): with 50
# managers a burst of 300 is 6 forwards each, so pacing never holds a forward back.
MANAGERS = 50
LINK_SECRET = "bench-link-secret"
KF = "wkBenchKf"
WAIT_SECONDS = 300.0


def customer(i: int) -> str:
    return f"wmBench{i:06d}"


def manager(m: int) -> str:
    return f"JingLi{m:03d}"


@dataclass(frozen=True)
class Round:
    """One burst's figures."""

    seconds: float
    per_second: float
    callback_p50_ms: float
    callback_p99_ms: float
    callback_max_ms: float
    retried: float  # callbacks the driver had to post again (no 200 within its timeout)


class Standin:
    """A WecomStandin on an event loop of its own, in a thread, driven from the bench's loop."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.wx: WecomStandin | None = None

    async def __aenter__(self) -> Standin:
        self._thread.start()
        self.wx = await self.run(self._start())
        return self

    async def _start(self) -> WecomStandin:
        members = [manager(m) for m in range(MANAGERS)] + ["ZhuRen"]
        wx = WecomStandin(SystemClock(), open_kfids=(KF,), members=members)
        await wx.start()
        return wx

    async def __aexit__(self, *_: object) -> None:
        if self.wx is not None:
            await self.run(self.wx.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        await asyncio.to_thread(self._thread.join, 10)
        self.loop.close()

    async def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine on the stand-in's loop and await its result here."""
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, self.loop))


# The two servers under test ------------------------------------------------------------------


def settings_for(wx: WecomStandin, folder: Path, n: int, port: int) -> Settings:
    rows = ["id,name,shop,phone,manager,telegram_id"]
    rows += [f"r{i},零售户{i},店{i},139{i:08d},m{i % MANAGERS}," for i in range(n)]
    (folder / "retailers.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    mapping: dict[str, Any] = {
        "timezone": "Asia/Shanghai",
        "wecom": {
            "corp_id": wx.corp_id,
            "agent_id": wx.agent_id,
            "secret": wx.secret,
            "token": wx.callback_token,
            "encoding_aes_key": wx.encoding_aes_key,
            "open_kfid": KF,
            "link_secret": LINK_SECRET,
            "api_base_url": wx.base_url,
        },
        "serve": {"host": "127.0.0.1", "port": port},
        "storage": {"url": "sqlite:///bench.db"},
        "escalation": {"steps": [{"after": "15m", "notify": "manager"}]},
        "supervisors": [{"id": "s1", "name": "主任", "wecom_userid": "ZhuRen"}],
        "managers": [
            {"id": f"m{m}", "name": f"经理{m}", "wecom_userid": manager(m), "supervisor": "s1"}
            for m in range(MANAGERS)
        ],
        "roster": {"retailers_csv": "retailers.csv"},
    }
    return Settings.from_mapping(mapping, env={}, config_dir=folder)


async def template_db(folder: Path) -> Path:
    """Migrate a database once; each RetailDesk round starts from a copy of it."""
    db = folder / "template.db"
    await migrate(db)
    # Last week's summary counts as sent, so no catch-up delivery runs during the burst.
    await asyncio.to_thread(mark_reports_sent, db, ["s1"], datetime.now(UTC))
    return db


def _listening() -> tuple[socket.socket, int]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    return sock, int(sock.getsockname()[1])


def retaildesk_with(template: Path) -> Callable[..., AbstractAsyncContextManager[str]]:
    """Return a runner for RetailDesk (the real app, served by uvicorn) on a copy of template."""

    @asynccontextmanager
    async def retaildesk(standin: Standin, n: int) -> AsyncIterator[str]:
        assert standin.wx is not None
        with tempfile.TemporaryDirectory(prefix="bench-wecom-") as folder:
            await asyncio.to_thread(shutil.copy, template, Path(folder) / "bench.db")
            sock, port = _listening()
            app = build(settings_for(standin.wx, Path(folder), n, port))
            await prepare(app)
            server = uvicorn.Server(server_config(callbacks_app(app)))
            web_task = asyncio.create_task(server.serve([sock]))
            stop = asyncio.Event()
            task = asyncio.create_task(serve(app, stop))
            while not server.started:
                for done in (task, web_task):
                    if done.done():
                        done.result()
                await asyncio.sleep(0.02)
            try:
                yield f"http://127.0.0.1:{port}/wecom/callback"
            finally:
                server.should_exit = True
                await web_task
                stop.set()
                await task
                sock.close()

    return retaildesk


class BareFloor:
    """Verify, decrypt and acknowledge each callback; sync; answer each message once."""

    def __init__(self, wx: WecomStandin) -> None:
        self.crypto = CallbackCrypto(wx.callback_token, wx.encoding_aes_key, wx.corp_id)
        self.api = wx.base_url
        self.corp_id, self.secret = wx.corp_id, wx.secret
        self.session: aiohttp.ClientSession | None = None
        self.token = ""
        self.cursor = ""
        self.latest: str | None = None  # the newest callback's sync token, not yet synced
        self.syncing: asyncio.Task[None] | None = None
        self.sends: set[asyncio.Task[None]] = set()

    async def receive(self, request: web.Request) -> web.Response:
        query = request.query
        envelope = parse_envelope(await request.read())
        xml = self.crypto.open(
            query["msg_signature"], query["timestamp"], query["nonce"], envelope.encrypt
        )
        notice = parse_message(xml)
        if isinstance(notice, KfNotice):
            self.latest = notice.token
            if self.syncing is None or self.syncing.done():
                self.syncing = asyncio.create_task(self.sync())
        return web.Response()

    async def call(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        assert self.session is not None
        async with self.session.post(
            f"{self.api}/{path}", params={"access_token": self.token}, json=body
        ) as answer:
            result: dict[str, Any] = await answer.json()
        if result["errcode"] != 0:
            raise RuntimeError(f"{path}: {result}")
        return result

    async def sync(self) -> None:
        while self.latest is not None:
            token, self.latest = self.latest, None
            more = True
            while more:
                request = {"open_kfid": KF, "token": token, "limit": 1000}
                if self.cursor:
                    request["cursor"] = self.cursor
                page = await self.call("kf/sync_msg", request)
                self.cursor, more = page["next_cursor"], bool(page["has_more"])
                for item in page["msg_list"]:
                    if item.get("origin") == 3 and item.get("msgtype") == "text":
                        task = asyncio.create_task(self.answer(item))
                        self.sends.add(task)
                        task.add_done_callback(self.sends.discard)

    async def close(self) -> None:
        """Stop a trailing sync (a late callback's token) before the session closes under it."""
        tasks = [*self.sends, *([self.syncing] if self.syncing else [])]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def answer(self, item: dict[str, Any]) -> None:
        body = {
            "touser": item["external_userid"],
            "open_kfid": KF,
            "msgtype": "text",
            "text": {"content": "已收到您的问题，客户经理会尽快回复。"},
        }
        await self.call("kf/send_msg", body)


@asynccontextmanager
async def bare_floor(standin: Standin, n: int) -> AsyncIterator[str]:
    """Run the floor: a bare aiohttp server, one access_token, no storage."""
    assert standin.wx is not None
    floor = BareFloor(standin.wx)
    app = web.Application()
    app.router.add_post("/wecom/callback", floor.receive)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    async with aiohttp.ClientSession() as session:
        floor.session = session
        async with session.get(
            f"{floor.api}/gettoken", params={"corpid": floor.corp_id, "corpsecret": floor.secret}
        ) as answer:
            floor.token = (await answer.json())["access_token"]
        try:
            yield f"http://127.0.0.1:{port}/wecom/callback"
        finally:
            await runner.cleanup()
            await floor.close()


# Driving the burst, on the stand-in's loop ----------------------------------------------------


async def link_all(wx: WecomStandin, n: int, welcomes: bool) -> None:
    """Have every retailer open their personal link; wait for each welcome if one is sent.

    The floor gets the same callbacks (it acknowledges and syncs them, and ignores the events),
    so both servers meet the burst with the driver's connection pool warm.
    """
    await asyncio.gather(
        *(wx.retailer_enters(customer(i), sign(LINK_SECRET, f"r{i}")) for i in range(n))
    )
    if welcomes:
        sent = wx.kf.accounts[KF].sent
        await wx.wait_for(lambda: sum(1 for d in sent if d.on_event) >= n, timeout=WAIT_SECONDS)


async def burst(wx: WecomStandin, n: int, label: str, forwards: bool) -> Round:
    """Post one callback per question at once; wait until each is acknowledged (and forwarded)."""
    account = wx.kf.accounts[KF]
    kf_before, app_before = len(account.sent), len(wx.app.delivered)
    users = {customer(i) for i in range(n)}
    latencies: list[float] = []
    retried = 0

    async def ask(i: int) -> None:
        nonlocal retried
        wx.kf.customer_writes(KF, customer(i), "text", {"content": f"{label}-问题-{i}"})
        token = wx.kf.sync_token(KF)
        sealed = wx.callbacks.seal(inner.kf_notice(wx.corp_id, wx.clock.now(), token, KF))
        started = time.perf_counter()
        delivery = await wx.callbacks.post_sealed(sealed)
        latencies.append((time.perf_counter() - started) * 1000)
        if not delivery.accepted:
            raise RuntimeError(f"callback {i} not accepted: {delivery.attempts}")
        retried += len(delivery.attempts) > 1

    def acks() -> list[datetime]:
        return [d.at for d in account.sent[kf_before:] if d.external_userid in users]

    def done() -> bool:
        # Re-checked after every API call on the stand-in's loop, so it only counts; nothing
        # but the burst's acknowledgements reaches kf/send_msg once the links are welcomed.
        return len(account.sent) - kf_before >= n and (
            not forwards or len(wx.app.delivered) - app_before >= n
        )

    started = wx.clock.now()
    await asyncio.gather(*(ask(i) for i in range(n)))
    await wx.wait_for(done, timeout=WAIT_SECONDS)
    if wx.app.dropped:
        raise RuntimeError(f"{len(wx.app.dropped)} app messages dropped over the member limits")
    acknowledged = acks()
    if not users <= {d.external_userid for d in account.sent[kf_before:]}:
        raise RuntimeError("some retailer was not acknowledged")
    arrivals = acknowledged + ([d.at for d in wx.app.delivered[app_before:]] if forwards else [])
    seconds = (max(arrivals) - started).total_seconds()
    latencies.sort()
    return Round(
        seconds,
        n / seconds,
        measure.median(latencies),
        measure.percentile(latencies, 99),
        latencies[-1],
        retried,
    )


Runner = Callable[[Standin, int], AbstractAsyncContextManager[str]]


async def one_round(runner: Runner, n: int, label: str, desk: bool) -> Round:
    """Run one burst on a fresh stand-in against a fresh server."""
    async with Standin() as standin:
        wx = standin.wx
        assert wx is not None
        async with runner(standin, n) as url:
            wx.point_callbacks_at(url)
            if desk:
                # The desk's first sweep (a sync without token) runs at start: let it pass.
                await standin.run(wx.wait_for(lambda: wx.calls_to("kf/sync_msg"), timeout=30))
            await standin.run(link_all(wx, n, welcomes=desk))
            await asyncio.sleep(0.5)  # whatever the links set off settles before the burst
            return await standin.run(burst(wx, n, label, forwards=desk))


def median_round(results: list[Round]) -> Round:
    return Round(
        *(measure.median([getattr(r, f) for r in results]) for f in Round.__dataclass_fields__)
    )


async def measure_size(n: int, count: int) -> dict[str, Any]:
    """Alternate the floor and RetailDesk bursts of n questions; return the medians."""
    floors: list[Round] = []
    desks: list[Round] = []
    with tempfile.TemporaryDirectory(prefix="bench-wecom-template-") as folder:
        retaildesk = retaildesk_with(await template_db(Path(folder)))
        for r in range(count):
            floors.append(await one_round(bare_floor, n, f"f{r}", desk=False))
            desks.append(await one_round(retaildesk, n, f"d{r}", desk=True))
    floor, desk = median_round(floors), median_round(desks)
    return {
        "n": n,
        "rounds": count,
        "managers": MANAGERS,
        "floor": asdict(floor),
        "desk": asdict(desk),
        "ratio": desk.per_second / floor.per_second,
        "ratios": [d.per_second / f.per_second for d, f in zip(desks, floors, strict=True)],
        "floor_rounds": [asdict(f) for f in floors],
        "desk_rounds": [asdict(d) for d in desks],
    }


def render(rows: list[dict[str, Any]]) -> str:
    return measure.table(
        [
            "N",
            "bare floor q/s",
            "RetailDesk q/s",
            "ratio",
            "callback 200 p50 / p99 ms (floor)",
            "callback 200 p50 / p99 ms (RetailDesk)",
            "callback max ms (floor / RetailDesk)",
            "retried callbacks (floor / RetailDesk)",
        ],
        [
            [
                r["n"],
                f"{r['floor']['per_second']:.0f}",
                f"{r['desk']['per_second']:.0f}",
                f"{r['ratio']:.2f}",
                f"{r['floor']['callback_p50_ms']:.0f} / {r['floor']['callback_p99_ms']:.0f}",
                f"{r['desk']['callback_p50_ms']:.0f} / {r['desk']['callback_p99_ms']:.0f}",
                f"{r['floor']['callback_max_ms']:.0f} / {r['desk']['callback_max_ms']:.0f}",
                f"{r['floor']['retried']:.0f} / {r['desk']['retried']:.0f}",
            ]
            for r in rows
        ],
    )


def run(
    *, smoke: bool = False, sizes: list[int] | None = None, rounds: int = 5
) -> list[dict[str, Any]]:
    """Run the WeChat relay benchmark and return its rows."""
    if smoke:
        return measure.run_plans([20], lambda n: measure_size(n, 1), render)
    return measure.run_plans(sizes or [300], lambda n: measure_size(n, rounds), render)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--smoke", action="store_true", help="N = 20, one round, for CI")
    parser.add_argument("--sizes", type=int, nargs="+", default=[300])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--save", help="write the figures to bench/results/NAME.json")
    args = parser.parse_args()
    results = run(smoke=args.smoke, sizes=args.sizes, rounds=args.rounds)
    print(render(results))
    if args.save:
        print(measure.save(args.save, {args.save: results}))
