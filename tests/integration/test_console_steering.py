"""The console's nudge and reassign forms run the desk's own commands, through the outbox."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from desk.service import Desk
from handlers.console.steering import DeskSteering
from storage.tables import outbox, tickets
from tests.console import console_desk, csrf_of


async def test_a_supervisor_nudges_and_reassigns_from_the_page(tmp_path):
    async with console_desk(tmp_path) as desk:
        desk.console.steering = DeskSteering(Desk(desk.console.ctx))
        ticket = await desk.ticket("r1", "m1", waited=timedelta(minutes=20))
        browser = await desk.signed_in("s1")
        csrf = csrf_of((await browser.get("/console")).text)

        nudged = await browser.post(f"/console/tickets/{ticket}/nudge", data={"csrf": csrf})
        moved = await browser.post(
            f"/console/tickets/{ticket}/reassign",
            data={"csrf": csrf, "manager_id": "m2", "reason": "李经理今天病假"},
        )
        page = (await browser.get("/console")).text
        async with desk.store.reading() as conn:
            told = (await conn.execute(select(outbox.c.recipient_id, outbox.c.kind))).all()
            manager = await conn.scalar(select(tickets.c.manager_id).where(tickets.c.id == ticket))

    assert nudged.headers["location"] == f"/console?done=nudged&ticket={ticket}"
    assert moved.headers["location"] == f"/console?done=reassigned&ticket={ticket}"
    assert manager == "m2"
    assert ("m1", "nudge") in told
    assert any(recipient == "m2" for recipient, _ in told)
    assert f'data-ticket="{ticket}" data-manager="m2"' in page


async def test_a_manager_cannot_steer_from_the_page(tmp_path):
    async with console_desk(tmp_path) as desk:
        desk.console.steering = DeskSteering(Desk(desk.console.ctx))
        ticket = await desk.ticket("r1", "m1", waited=timedelta(minutes=20))
        browser = await desk.signed_in("m1")
        csrf = csrf_of((await browser.get("/console")).text)

        refused = await browser.post(f"/console/tickets/{ticket}/nudge", data={"csrf": csrf})
        async with desk.store.reading() as conn:
            told = (await conn.execute(select(outbox.c.kind))).scalars().all()

    assert refused.headers["location"] == f"/console?done=refused&ticket={ticket}"
    assert "nudge" not in told
