"""A console over a real database: two teams, tickets and complaints, and signed-in browsers."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import insert

from bot.phones import DiallingPlan
from desk.commands import Outcome
from desk.context import DeskContext
from desk.people import Address, Manager, Retailer, Supervisor, Team
from desk.policy import Policy
from handlers.console.app import console_app
from handlers.console.services import ConsoleServices, ConsoleSettings, WecomLogin
from reports.live import Figure
from storage.codec import policy_text
from storage.console import ConsoleAccess
from storage.store import SqlStore
from storage.tables import complaints, outbox, retailers, tickets
from tests.databases import migrated_engine
from tests.unit.conftest import TUESDAY_10AM, make_policy
from tests.unit.fakes import FakeClock

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = TUESDAY_10AM
# Words only a complaint holds: no manager's page may ever show them.
COMPLAINT_RETAILER = "投诉人赵六"


def make_team() -> Team:
    """Build s1 over m1 and m2, and s2 over m3 (another team), with WeCom userids for two."""
    return Team(
        managers=[
            Manager("m1", "李经理", (Address("telegram", "5001"),), backup="m2", supervisor="s1"),
            Manager("m2", "王经理", (Address("wecom", "WangJing"),), backup="m1", supervisor="s1"),
            Manager("m3", "周经理", (Address("telegram", "5003"),), supervisor="s2"),
        ],
        supervisors=[
            Supervisor("s1", "陈主任", (Address("wecom", "ChenZhuRen"),), lang="en"),
            Supervisor("s2", "刘主任", (Address("telegram", "7002"),)),
        ],
    )


@dataclass
class FakeSteering:
    """Record the nudges and reassignments the console asks of the desk."""

    done: list[tuple[Any, ...]] = field(default_factory=list)

    async def nudge(self, staff_id: str, ticket_id: int) -> Outcome:
        self.done.append(("nudge", staff_id, ticket_id))
        return Outcome.DONE

    async def reassign(
        self, staff_id: str, ticket_id: int, manager_id: str, reason: str
    ) -> Outcome:
        self.done.append(("reassign", staff_id, ticket_id, manager_id, reason))
        return Outcome.DONE


@dataclass
class Desk:
    """The console's services over a migrated database, and ways to fill it."""

    console: ConsoleServices
    store: SqlStore
    clock: FakeClock
    steering: FakeSteering

    async def retailer(self, retailer_id: str, name: str, manager_id: str) -> None:
        row = {
            "id": retailer_id,
            "name": name,
            "shop": f"{name}的店",
            "phone": "+86138001380" + retailer_id[-2:].zfill(2),
            "manager_id": manager_id,
            "updated_at": NOW,
        }
        async with self.store.engine.begin() as conn:
            await conn.execute(insert(retailers).values(row))

    async def ticket(
        self,
        retailer_id: str,
        manager_id: str,
        *,
        waited: timedelta,
        answered: bool = False,
        last_step: int = -1,
        off_hours: bool = False,
        policy: Policy | None = None,
    ) -> int:
        opened = self.clock.now() - waited
        row = {
            "retailer_id": retailer_id,
            "manager_id": manager_id,
            "home_manager_id": manager_id,
            "status": "open",
            "opened_at": opened,
            "policy": policy_text(policy or make_policy()),
            "off_hours": off_hours,
            "waiting_since": None if answered else opened,
            "round": 0,
            "last_step": last_step,
            "first_response_at": opened + timedelta(minutes=5) if answered else None,
        }
        async with self.store.engine.begin() as conn:
            return (await conn.execute(insert(tickets).values(row))).inserted_primary_key[0]

    async def told(self, ticket_id: int, recipient_id: str, *, state: str = "sent") -> None:
        row = {
            "recipient_id": recipient_id,
            "channel": "telegram",
            "chat_id": "1",
            "kind": "escalation",
            "lang": "zh",
            "ticket_id": ticket_id,
            "body": "{}",
            "state": state,
            "not_before": self.clock.now(),
            "created_at": self.clock.now(),
            "sent_at": self.clock.now() if state == "sent" else None,
        }
        async with self.store.engine.begin() as conn:
            await conn.execute(insert(outbox).values(row))

    async def complaint(self, retailer_id: str, manager_id: str, supervisor_id: str) -> int:
        row = {
            "retailer_id": retailer_id,
            "manager_id": manager_id,
            "supervisor_id": supervisor_id,
            "opened_at": self.clock.now() - timedelta(minutes=20),
            "policy": "{}",
            "waiting_since": self.clock.now() - timedelta(minutes=20),
            "last_step": 0,
        }
        async with self.store.engine.begin() as conn:
            return (await conn.execute(insert(complaints).values(row))).inserted_primary_key[0]

    def browser(self, base_url: str = "http://desk.test") -> httpx.AsyncClient:
        """Return a browser of its own (its own cookies) on the console."""
        transport = httpx.ASGITransport(app=console_app(self.console))
        return httpx.AsyncClient(transport=transport, base_url=base_url)

    async def signed_in(self, staff_id: str) -> httpx.AsyncClient:
        """Return a browser signed in as a staff member, through the link's confirm page."""
        browser = self.browser()
        await sign_in(
            browser, self.console.login_url(await self.console.access.issue_link(staff_id))
        )
        return browser


async def sign_in(browser: httpx.AsyncClient, link: str) -> httpx.Response:
    """Open a login link and press its button, as a person would."""
    path = httpx.URL(link).path
    page = await browser.get(path)
    return await browser.post(path, data={"nonce": nonce_of(page.text)})


def nonce_of(html: str) -> str:
    """Return the nonce a confirm page's form carries."""
    found = re.search(r'name="nonce" value="([^"]+)"', html)
    assert found is not None, html
    return found[1]


def csrf_of(html: str) -> str:
    """Return the CSRF token a page's forms carry."""
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None, html
    return found[1]


@asynccontextmanager
async def console_desk(
    tmp_path: Path,
    backend: str = "sqlite",
    *,
    wecom: WecomLogin | None = None,
    public_url: str = "http://desk.test",
) -> AsyncIterator[Desk]:
    """Yield a console over a fresh database holding both teams' retailers."""
    clock = FakeClock(NOW)
    async with migrated_engine(backend, tmp_path) as engine:
        store = SqlStore(engine, clock)
        ctx = DeskContext(
            store=store,  # type: ignore[arg-type]
            team=make_team(),
            clock=clock,
            policy=make_policy(),
            timezone=SHANGHAI,
            read_phone=DiallingPlan("CN").shared_phone,
        )
        steering = FakeSteering()
        settings = ConsoleSettings(
            public_url, refresh=15, thresholds={Figure.UNANSWERED: 2, Figure.AT_RISK: 5}
        )
        console = ConsoleServices(settings, store, ctx, ConsoleAccess(store), steering, wecom)
        desk = Desk(console, store, clock, steering)
        for retailer_id, name, manager_id in (
            ("r1", "张三", "m1"),
            ("r2", "李四", "m2"),
            ("r3", "王五", "m3"),
            ("r4", COMPLAINT_RETAILER, "m1"),
        ):
            await desk.retailer(retailer_id, name, manager_id)
        try:
            yield desk
        finally:
            # As the app does on stop: no refresh may outlive the engine it reads.
            await console.kept.standings.close()


__all__ = ["COMPLAINT_RETAILER", "NOW", "Desk", "Retailer", "console_desk", "csrf_of", "sign_in"]
