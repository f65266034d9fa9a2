"""The console over HTTP: links, sessions, CSRF, headers, the live page and its scoping."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import insert

from handlers.console.app import console_app
from handlers.console.security import CONTENT_SECURITY_POLICY, SESSION_COOKIE
from handlers.console.services import ConsoleServices
from storage.console import ConsoleAccess
from storage.store import SqlStore
from storage.tables import events
from tests.console import console_desk, csrf_of, nonce_of, sign_in
from tests.databases import BACKENDS


@pytest.fixture(params=BACKENDS)
async def desk(request, tmp_path):
    async with console_desk(tmp_path, request.param) as made:
        yield made


async def test_the_link_opens_a_confirm_page_that_never_spends_it(desk):
    link = desk.console.login_url(await desk.console.access.issue_link("s1"))
    browser = desk.browser()
    path = httpx.URL(link).path

    for _ in range(2):
        page = await browser.get(path)
        assert page.status_code == 200
        assert 'id="login"' in page.text
    signed = await sign_in(browser, link)

    assert signed.status_code == 303
    assert signed.headers["location"] == "/console"
    cookie = signed.headers["set-cookie"]
    assert SESSION_COOKIE in cookie
    assert "HttpOnly" in cookie
    assert "Path=/console" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" not in cookie  # http://desk.test
    page = await browser.get("/console")
    assert page.status_code == 200
    assert 'id="live"' in page.text
    # Spent: the same link now says so, and how to get a new one.
    again = await browser.get(path)
    assert again.status_code == 410
    assert 'data-state="spent"' in again.text
    assert "/console" in again.text


async def test_a_link_used_twice_opens_one_session(desk):
    link = desk.console.login_url(await desk.console.access.issue_link("s1"))
    path = httpx.URL(link).path
    first, second = desk.browser(), desk.browser()
    # Both confirm pages are open before either button is pressed.
    nonces = [nonce_of((await b.get(path)).text) for b in (first, second)]

    results = [
        await b.post(path, data={"nonce": n}) for b, n in zip((first, second), nonces, strict=True)
    ]

    assert [r.status_code for r in results] == [303, 410]
    assert (await second.get("/console")).status_code == 401


async def test_an_expired_or_unknown_link_says_how_to_get_a_new_one(desk):
    link = desk.console.login_url(await desk.console.access.issue_link("s1"))
    desk.clock.advance(minutes=15)
    browser = desk.browser()

    expired = await browser.get(httpx.URL(link).path)
    unknown = await browser.get("/console/login/made-up")

    assert expired.status_code == 410
    assert 'data-state="expired"' in expired.text
    assert 'data-state="unknown"' in unknown.text


async def test_cookies_are_secure_when_the_console_is_served_over_https(tmp_path):
    async with console_desk(tmp_path, public_url="https://desk.example.cn") as desk:
        link = desk.console.login_url(await desk.console.access.issue_link("s1"))
        assert link.startswith("https://desk.example.cn/console/login/")
        browser = desk.browser("https://desk.example.cn")
        signed = await sign_in(browser, link)
    assert "Secure" in signed.headers["set-cookie"]


async def test_a_login_post_without_the_confirm_pages_nonce_is_refused(desk):
    token = await desk.console.access.issue_link("s1")
    browser = desk.browser()

    forged = await browser.post(f"/console/login/{token}", data={"nonce": "guess"})

    assert forged.status_code == 403
    assert await desk.console.access.link_state(token) == "valid"


async def test_a_session_opened_on_one_worker_works_on_another(desk):
    browser = await desk.signed_in("s1")
    cookie = browser.cookies[SESSION_COOKIE]
    # A second worker: its own store, access and app over the same database.
    other_store = SqlStore(desk.store.engine, desk.clock)
    console = desk.console
    other = ConsoleServices(
        console.settings, other_store, console.ctx, ConsoleAccess(other_store), console.steering
    )
    transport = httpx.ASGITransport(app=console_app(other))
    async with httpx.AsyncClient(transport=transport, base_url="http://desk.test") as second:
        second.cookies.set(SESSION_COOKIE, cookie, domain="desk.test", path="/console")
        page = await second.get("/console")
        assert page.status_code == 200
        await second.post("/console/logout", data={"csrf": csrf_of(page.text)})
    # Logged out on the second worker: the first one knows it too.
    assert (await browser.get("/console")).status_code == 401


async def test_a_session_ends_after_a_working_day(desk):
    browser = await desk.signed_in("m1")
    desk.clock.advance(hours=10)
    assert (await browser.get("/console")).status_code == 401


async def test_every_post_without_the_sessions_csrf_token_is_refused(desk):
    ticket = await desk.ticket("r1", "m1", waited=timedelta(minutes=20))
    browser = await desk.signed_in("s1")
    page = await browser.get("/console")
    other = await desk.signed_in("s2")
    foreign = csrf_of((await other.get("/console")).text)

    for path, data in (
        (f"/console/tickets/{ticket}/nudge", {}),
        (f"/console/tickets/{ticket}/reassign", {"manager_id": "m2", "reason": "away"}),
        ("/console/logout", {}),
    ):
        for csrf in (None, "", foreign):
            sent = data if csrf is None else {**data, "csrf": csrf}
            refused = await browser.post(path, data=sent)
            assert refused.status_code == 403, (path, csrf)
    assert desk.steering.done == []
    assert (await browser.get("/console")).status_code == 200
    csrf = csrf_of(page.text)
    done = await browser.post(f"/console/tickets/{ticket}/nudge", data={"csrf": csrf})
    assert done.status_code == 303
    assert desk.steering.done == [("nudge", "s1", ticket)]


async def test_every_console_response_sends_the_strict_headers(desk):
    ticket = await desk.ticket("r1", "m1", waited=timedelta(minutes=20))
    browser = await desk.signed_in("s1")
    paths = [
        "/console",
        "/console/live",
        "/console/tickets?figure=unanswered",
        f"/console/tickets/{ticket}",
        "/console/tickets/999",
        "/console/login/unknown",
        "/console/static/console.js",
        "/console/static/console.css",
        "/console/nothing-here",
    ]
    for path in paths:
        answer = await browser.get(path)
        assert answer.headers["content-security-policy"] == CONTENT_SECURITY_POLICY, path
        assert answer.headers["x-content-type-options"] == "nosniff", path
        assert answer.headers["referrer-policy"] == "no-referrer", path
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    page = (await browser.get("/console")).text
    # No inline script and nothing from another server.
    assert "<script>" not in page
    assert "http://" not in page.replace('content="', "")
    assert "https://" not in page


async def test_a_supervisor_sees_their_team_and_a_manager_only_their_own(desk):
    t1 = await desk.ticket("r1", "m1", waited=timedelta(minutes=40), last_step=1)
    t2 = await desk.ticket("r2", "m2", waited=timedelta(minutes=5))
    t3 = await desk.ticket("r3", "m3", waited=timedelta(minutes=50))
    await desk.told(t1, "m1")
    await desk.told(t1, "m2")

    supervisor = (await (await desk.signed_in("s1")).get("/console")).text
    manager_browser = await desk.signed_in("m2")
    manager = (await manager_browser.get("/console")).text

    assert f'data-ticket="{t1}"' in supervisor
    assert f'data-ticket="{t2}"' in supervisor
    assert f'data-ticket="{t3}"' not in supervisor
    assert f'data-ticket="{t2}"' in manager
    assert f'data-ticket="{t1}"' not in manager
    # Longest wait first.
    assert supervisor.index(f'data-ticket="{t1}"') < supervisor.index(f'data-ticket="{t2}"')
    assert (await manager_browser.get(f"/console/tickets/{t1}")).status_code == 404
    assert (await manager_browser.get(f"/console/tickets/{t2}")).status_code == 200
    listed = (await manager_browser.get("/console/tickets?figure=open")).text
    assert f'data-ticket="{t2}"' in listed
    assert f'data-ticket="{t1}"' not in listed


async def test_the_live_strip_counts_and_turns_red_past_its_threshold(desk):
    await desk.ticket("r1", "m1", waited=timedelta(minutes=12), off_hours=True)  # at risk
    await desk.ticket("r1", "m1", waited=timedelta(minutes=40), last_step=1)  # backup rung
    await desk.ticket("r2", "m2", waited=timedelta(minutes=70), last_step=2)  # supervisor
    await desk.ticket("r2", "m2", waited=timedelta(hours=3), answered=True)
    browser = await desk.signed_in("s1")

    live = (await browser.get("/console/live")).text

    def figure(name: str) -> str:
        start = live.index(f'data-figure="{name}"')
        return live[live.rindex("<li", 0, start) : live.index("</li>", start)]

    numbers = {
        name: int(figure(name).split('class="number">')[1].split("<")[0])
        for name in ("open", "unanswered", "at_risk", "backup", "supervisor", "off_hours")
    }
    assert numbers == {
        "open": 4,
        "unanswered": 3,
        "at_risk": 3,
        "backup": 1,
        "supervisor": 1,
        "off_hours": 1,
    }
    # Thresholds: unanswered past 2 is red, at risk past 5 is not.
    assert "red" in figure("unanswered").split(">")[0]
    assert "red" not in figure("at_risk").split(">")[0]
    assert 'href="/console/tickets?figure=backup"' in live
    assert "<html" not in live


async def test_the_waiting_list_says_who_was_told_and_the_page_is_in_the_viewers_language(desk):
    ticket = await desk.ticket("r1", "m1", waited=timedelta(minutes=40), last_step=1)
    await desk.told(ticket, "m1")
    await desk.told(ticket, "m2", state="failed")
    await desk.told(ticket, "r1")

    english = (await (await desk.signed_in("s1")).get("/console")).text
    chinese = (await (await desk.signed_in("m1")).get("/console")).text

    row = english[english.index(f'data-ticket="{ticket}"') :]
    row = row[: row.index("</tr>")]
    assert "李经理, 王经理" in row
    assert "backup" in row
    assert "Waiting now" in english
    assert "正在等待" in chinese


async def test_reassign_goes_to_the_desk_only_for_a_manager_in_scope(desk):
    ticket = await desk.ticket("r1", "m1", waited=timedelta(minutes=20))
    browser = await desk.signed_in("s1")
    page = (await browser.get("/console")).text
    csrf = csrf_of(page)
    assert 'name="manager_id"' in page
    assert 'name="reason"' in page

    outside = await browser.post(
        f"/console/tickets/{ticket}/reassign",
        data={"csrf": csrf, "manager_id": "m3", "reason": "x"},
    )
    moved = await browser.post(
        f"/console/tickets/{ticket}/reassign",
        data={"csrf": csrf, "manager_id": "m2", "reason": "m1 is off sick"},
    )

    assert outside.headers["location"] == f"/console?done=refused&ticket={ticket}"
    assert moved.headers["location"] == f"/console?done=reassigned&ticket={ticket}"
    assert desk.steering.done == [("reassign", "s1", ticket, "m2", "m1 is off sick")]
    shown = (await browser.get(moved.headers["location"])).text
    assert 'id="notice"' in shown


async def test_the_ticket_page_shows_the_whole_timeline(desk):
    ticket = await desk.ticket("r1", "m1", waited=timedelta(minutes=40), last_step=1)
    await desk.told(ticket, "m2", state="failed")
    browser = await desk.signed_in("s1")

    page = (await browser.get(f"/console/tickets/{ticket}")).text

    assert f'id="ticket" data-ticket="{ticket}"' in page
    assert 'data-source="notice"' in page
    assert "王经理" in page
    assert "state: failed" in page
    async with desk.store.engine.begin() as conn:
        await conn.execute(
            insert(events).values(
                ticket_id=ticket, kind="escalated", at=desk.clock.now(), target="m2", step=1
            )
        )
    chinese = (await (await desk.signed_in("m1")).get(f"/console/tickets/{ticket}")).text
    assert 'data-kind="escalated"' in chinese
    assert '<span class="kind">升级</span>' in chinese
    # Details read in words: whom the rung reached by name, rungs counted from 1.
    assert '<span class="detail" data-key="target">对象: 王经理</span>' in chinese
    assert '<span class="detail" data-key="step">级: 2</span>' in chinese
    assert '<span class="detail" data-key="state">状态: 发送失败</span>' in chinese


async def test_signed_out_browsers_and_unknown_cookies_see_no_data(desk):
    await desk.ticket("r1", "m1", waited=timedelta(minutes=20))
    browser = desk.browser()
    browser.cookies.set(SESSION_COOKIE, "forged", domain="desk.test", path="/console")

    for path in ("/console", "/console/live", "/console/tickets", "/console/tickets/1"):
        answer = await browser.get(path)
        assert answer.status_code == 401, path
        assert "张三" not in answer.text


async def test_only_a_supervisors_page_has_the_forms_that_steer(desk):
    ticket = await desk.ticket("r1", "m1", waited=timedelta(minutes=20))

    supervisor = (await (await desk.signed_in("s1")).get("/console")).text
    manager = (await (await desk.signed_in("m1")).get("/console")).text

    assert f'action="/console/tickets/{ticket}/nudge"' in supervisor
    assert f'action="/console/tickets/{ticket}/reassign"' in supervisor
    assert f'data-ticket="{ticket}"' in manager
    assert "/nudge" not in manager
    assert "/reassign" not in manager
