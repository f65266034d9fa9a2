"""Run the desk with its WeChat channels against the WeCom stand-in, callbacks included."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import uvicorn

from bot.app import RetailDesk, build, prepare, serve
from bot.config import Settings
from bot.listeners import server_config
from bot.web import callbacks_app
from desk.clock import Clock
from desk.notices import Notice, NoticeKind
from handlers.wecom.channel import Couriers
from handlers.wecom.scene import sign
from handlers.wecom.standin import AppDelivery, KfDelivery, WecomStandin
from tests.channels import FakeCourier

T = TypeVar("T")

LINK_SECRET = "test-link-secret"
ROSTER = """id,name,shop,phone,manager,telegram_id
r1,张伟,张记烟酒店,13800000001,m1,
r2,刘芳,芳芳便利店,13800000002,m2,
r3,赵强,强盛烟酒商行,13800000003,m1,
"""
MEMBERS = ("LiJingLi", "WangJingLi", "ChenZhuRen")


def link_of(retailer_id: str) -> str:
    """Return the scene_param of a retailer's personal kf link."""
    return sign(LINK_SECRET, retailer_id)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def wecom_mapping(
    wecom: WecomStandin, folder: Path, *, port: int = 0, telegram: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Return a config for the small team on WeCom, pointed at the stand-in and a temp database."""
    (folder / "retailers.csv").write_text(ROSTER, encoding="utf-8")
    mapping: dict[str, Any] = {
        "timezone": "Asia/Shanghai",
        "wecom": {
            "corp_id": wecom.corp_id,
            "agent_id": wecom.agent_id,
            "secret": wecom.secret,
            "token": wecom.callback_token,
            "encoding_aes_key": wecom.encoding_aes_key,
            "open_kfid": wecom.open_kfids[0],
            "link_secret": LINK_SECRET,
            "api_base_url": wecom.base_url,
        },
        "serve": {"host": "127.0.0.1", "port": port},
        "storage": {"url": "sqlite:///desk.db"},
        "escalation": {"steps": [{"after": "1h", "notify": "manager"}], "sweep_every": 1},
        "supervisors": [{"id": "s1", "name": "陈主任", "wecom_userid": "ChenZhuRen"}],
        "managers": [
            {"id": "m1", "name": "李经理", "wecom_userid": "LiJingLi", "supervisor": "s1"},
            {"id": "m2", "name": "王经理", "wecom_userid": "WangJingLi", "supervisor": "s1"},
        ],
        "roster": {"retailers_csv": "retailers.csv"},
    }
    if telegram is not None:
        mapping["telegram"] = telegram
    return mapping


@dataclass
class Recorded:
    """The couriers at the boundary the other half's WeChat couriers will take."""

    wechat: FakeCourier
    wecom: FakeCourier

    def couriers(self) -> Couriers:
        return Couriers(lambda api: self.wechat, lambda api: self.wecom)

    def to_staff(self, userid: str, kind: NoticeKind | None = None) -> list[Notice]:
        return [n for n in self.wecom.to(userid) if kind is None or n.kind is kind]

    def to_retailer(self, external_userid: str, kind: NoticeKind | None = None) -> list[Notice]:
        return [n for n in self.wechat.to(external_userid) if kind is None or n.kind is kind]


def recorded() -> Recorded:
    return Recorded(FakeCourier("wechat"), FakeCourier("wecom"))


def said(delivery: AppDelivery | KfDelivery) -> str:
    """Return what one stand-in delivery shows: a text, a card's title and text, or a file."""
    body = delivery.body
    if delivery.msgtype == "template_card":
        return f"{body['main_title']['title']}\n{body.get('sub_title_text', '')}"
    if delivery.msgtype == "text":
        return str(body["content"])
    return json.dumps(body, ensure_ascii=False)


def app_to(wecom: WecomStandin, userid: str, msgtype: str | None = None) -> list[AppDelivery]:
    """Return what the app delivered to a member, of one msgtype if given."""
    return [d for d in wecom.app.to(userid) if msgtype is None or d.msgtype == msgtype]


def kf_to(wecom: WecomStandin, external_userid: str) -> list[KfDelivery]:
    """Return what kf/send_msg delivered to a customer, welcomes left out."""
    sent = [d for kf in wecom.kf.accounts.values() for d in kf.sent]
    return [d for d in sent if d.external_userid == external_userid and not d.on_event]


async def until(predicate: Callable[[], T | None], timeout: float = 10.0) -> T:  # noqa: ASYNC109
    """Poll a condition on the running desk until it holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        try:
            value = predicate()
        except LookupError:
            value = None
        if value:
            return value
        if loop.time() > deadline:
            raise TimeoutError("the condition did not hold in time")
        await asyncio.sleep(0.02)


@asynccontextmanager
async def running_wecom(
    settings: Settings, wecom: WecomStandin, clock: Clock, couriers: Couriers | None = None
) -> AsyncIterator[RetailDesk]:
    """Run the desk and its callback server; point the stand-in's callbacks at it.

    Without `couriers` the desk sends through its real WeChat couriers, to the stand-in.
    """
    app = build(settings, clock=clock, couriers=couriers)
    await prepare(app)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    host, port = sock.getsockname()[:2]
    server = uvicorn.Server(server_config(callbacks_app(app)))
    web = asyncio.create_task(server.serve([sock]))
    stop = asyncio.Event()
    task = asyncio.create_task(serve(app, stop))
    await until(lambda: server.started or task.done() or web.done())
    if task.done():
        task.result()
    wecom.point_callbacks_at(f"http://{host}:{port}/wecom/callback")
    # The elected sender's first sweep (a sync without a token) is queued at start: waited for,
    # so a test counts only what it sends itself.
    await until(lambda: wecom.calls_to("kf/sync_msg") or task.done())
    try:
        yield app
    finally:
        server.should_exit = True
        await asyncio.wait_for(web, timeout=15)
        stop.set()
        await asyncio.wait_for(task, timeout=15)
        sock.close()
