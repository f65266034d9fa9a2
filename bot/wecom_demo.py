"""`retaildesk demo --channel wecom`: the 3 a.m. story on 微信客服 and the WeCom app, offline."""

from __future__ import annotations

import asyncio
import logging
import re
import socket
import sys
import tempfile
import tomllib
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import uvicorn

from bot.app import RetailDesk, build, serve
from bot.config import Settings
from bot.demo import CONFIG, DEMO_LADDER, Timeline
from bot.listeners import server_config
from bot.web import webhook_app
from desk.clock import ShiftedClock
from handlers.wecom.scene import sign
from handlers.wecom.standin import AppDelivery, KfDelivery, WecomStandin

LINK_SECRET = "demo-link-secret"
# The example team, as WeCom members: the config's staff ids and their userids.
MEMBERS = {"s1": "ChenZhuRen", "m1": "LiJingLi", "m2": "WangJingLi"}
ZHANG = "wmZhangWei"  # 张伟 (roster r001) on 微信客服
STRANGER = "wmLuRenJia"


def wired() -> bool:
    """Tell whether this build has the WeChat channel: its [wecom] settings exist."""
    return "wecom" in Settings.model_fields


def _listening() -> socket.socket:
    """Bind a loopback socket on a free port for the desk's callback route."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


async def _run_desk(app: RetailDesk, stop: asyncio.Event, sock: socket.socket) -> None:
    """Run the desk and, beside it, the web server WeCom's callbacks come to."""
    # Only the WeChat channels run here, so every channel's route is a WeCom callback.
    server = uvicorn.Server(server_config(webhook_app(app)))
    web = asyncio.create_task(server.serve([sock]), name="demo-callbacks")
    try:
        await serve(app, stop)
    finally:
        server.should_exit = True
        await asyncio.gather(web, return_exceptions=True)


def wecom_demo_settings(wx: WecomStandin, folder: Path, port: int) -> Settings:
    """Load config.toml with the staff in the WeCom app and WeCom pointed at the stand-in."""
    mapping: dict[str, Any] = tomllib.loads(CONFIG.read_text(encoding="utf-8"))
    mapping.pop("telegram", None)
    mapping["storage"] = {"url": f"sqlite:///{folder / 'demo.db'}"}
    mapping["serve"] = {"host": "127.0.0.1", "port": port}
    mapping["escalation"] = {"steps": DEMO_LADDER, "sweep_every": 1}
    for person in [*mapping.get("supervisors", []), *mapping.get("managers", [])]:
        person.pop("telegram_id", None)
        person["chats"] = {"wecom": MEMBERS[person["id"]]}
    mapping["wecom"] = {
        "corp_id": wx.corp_id,
        "agent_id": wx.agent_id,
        "secret": wx.secret,
        "token": wx.callback_token,
        "encoding_aes_key": wx.encoding_aes_key,
        "open_kfid": wx.open_kfids[0],
        "link_secret": LINK_SECRET,
        "api_base_url": wx.base_url,
    }
    return Settings.from_mapping(mapping, env={}, file=str(CONFIG), config_dir=CONFIG.parent)


class Watcher:
    """Read what the stand-in delivered to each person, each message once, in order."""

    def __init__(self, wx: WecomStandin, timeline: Timeline) -> None:
        self.wx = wx
        self.timeline = timeline
        self._read: defaultdict[str, int] = defaultdict(int)

    def _kf(self, customer: str) -> Sequence[KfDelivery]:
        sent = self.wx.kf.accounts[self.wx.open_kfids[0]].sent
        return [d for d in sent if d.external_userid == customer]

    async def retailer_sees(
        self, customer: str, name: str, contains: str | None = None, within: float = 10.0
    ) -> str:
        """Wait for the next kf message to a customer (holding `contains`) and show it."""
        text = await self._next(
            customer, lambda: [kf_text(d) for d in self._kf(customer)], contains, within
        )
        self.timeline.saw(name, text)
        return text

    async def staff_sees(
        self, member: str, name: str, contains: str | None = None, within: float = 10.0
    ) -> str:
        """Wait for the next app message to a member (holding `contains`) and show it."""
        text = await self._next(
            member, lambda: [app_text(d) for d in self.wx.app.to(member)], contains, within
        )
        self.timeline.saw(name, text)
        return text

    async def _next(self, who: str, texts: Any, contains: str | None, within: float) -> str:
        def find() -> tuple[int, str] | None:
            for index, text in enumerate(texts()):
                if index >= self._read[who] and (contains is None or contains in text):
                    return index, text
            return None

        index, text = await self.wx.wait_for(find, timeout=within)
        self._read[who] = index + 1
        return str(text)


def kf_text(delivery: KfDelivery) -> str:
    """Say what a kf message showed the customer."""
    body = delivery.body
    if delivery.msgtype == "msgmenu":
        choices = " ".join(f"[{i['click']['content']}]" for i in body.get("list", []))
        return f"{body.get('head_content', '')} {choices}"
    return str(body.get("content") or f"[{delivery.msgtype}]")


def app_text(delivery: AppDelivery) -> str:
    """Say what an app message showed the member."""
    body = delivery.body
    if delivery.msgtype == "template_card":
        buttons = " ".join(f"[{b['text']}]" for b in body.get("button_list", []))
        return f"{body['main_title']['title']} {body.get('sub_title_text', '')} {buttons}"
    return str(body.get("content") or f"[{delivery.msgtype}]")


async def play_wecom() -> int:
    """Play the 3 a.m. story with the retailer on 微信客服 and the staff in the WeCom app."""
    if not wired():
        print(
            "This build has no WeChat channel yet ([wecom] settings and their wiring), so the "
            "WeChat demo cannot run; `retaildesk demo` plays the Telegram one.",
            file=sys.stderr,
        )
        return 2
    logging.getLogger().setLevel(logging.WARNING)
    zone = ZoneInfo(str(tomllib.loads(CONFIG.read_text(encoding="utf-8"))["timezone"]))
    clock = ShiftedClock(datetime.combine(datetime.now().date(), time(3, 0), tzinfo=zone))
    with tempfile.TemporaryDirectory(prefix="retaildesk-demo-") as folder:
        async with WecomStandin(clock, members=MEMBERS.values()) as wx:
            sock = _listening()
            port = int(sock.getsockname()[1])
            settings = wecom_demo_settings(wx, Path(folder), port)
            app = build(settings, clock=clock)
            stop = asyncio.Event()
            running = asyncio.create_task(_run_desk(app, stop, sock))
            try:
                wx.point_callbacks_at(f"http://127.0.0.1:{port}/wecom/callback")
                await _until_listening(wx, running)
                await _story(wx, Watcher(wx, Timeline(clock, settings)))
            finally:
                stop.set()
                await running
                sock.close()
    return 0


async def _until_listening(wx: WecomStandin, running: asyncio.Task[None]) -> None:
    """Wait until the desk answers WeCom's URL check, as the admin console does on setup."""
    for _ in range(100):
        if running.done():
            running.result()
        try:
            if (await wx.callbacks.check_url()).passed:
                return
        except OSError:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError("the desk never answered the callback URL check")


async def _story(wx: WecomStandin, see: Watcher) -> None:
    timeline = see.timeline
    print(
        "RetailDesk demo on WeChat: a retailer asks at 3 a.m.; "
        "the ladder is compressed to seconds.\n"
    )
    await wx.retailer_enters(ZHANG, sign(LINK_SECRET, "r001"))
    timeline.saw("张伟", "(scans the QR code his manager gave him)", aside=True)
    await see.retailer_sees(ZHANG, "张伟")

    question = "李经理，软中华还有货吗？明早想订两条。"
    await wx.retailer_writes(ZHANG, question)
    timeline.saw("张伟", question, sent=True)
    await see.retailer_sees(ZHANG, "张伟", contains="已收到")
    await see.staff_sees(MEMBERS["m1"], "李经理")
    timeline.saw("李经理", "(phone switched off for the night: no answer)", aside=True)
    await see.staff_sees(MEMBERS["m1"], "李经理", within=15)
    escalation = await see.staff_sees(MEMBERS["m2"], "王经理", within=15)

    ticket = re.search(r"#(\d+)", escalation)
    answer = "张老板您好，软中华有货，明早八点前给您送两条。"
    await wx.staff_writes(MEMBERS["m2"], f"#{ticket.group(1) if ticket else ''} {answer}")
    timeline.saw("王经理", answer, sent=True)
    await see.retailer_sees(ZHANG, "张伟", contains="王经理")

    await wx.retailer_writes(STRANGER, "你好，我想进货")
    timeline.saw("路人甲", "你好，我想进货", sent=True)
    await see.retailer_sees(STRANGER, "路人甲")
    print("\n陈主任 was not needed: the backup answered before the last step.")
    print("A retailer gets at most 5 messages within 48 h of their last one; see README, WeChat.")
