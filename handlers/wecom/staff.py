"""Staff in the WeCom app: their messages and card presses, as the desk's commands.

The app has no replies, so a plain message goes to the ticket the member pressed "reply" on,
or to their only waiting ticket; with several waiting it is held until they pick one.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime, time
from typing import Any

from desk.answering import ETA_CHOICES, numbered
from desk.commands import AnswerComplaint, AnswerTicket, Away, Inbound, OnIt, Outcome, Resolve
from desk.complaining import CloseComplaint, complaint_numbered
from desk.content import Content, ContentKind
from desk.notices import Attachment, Button, Notice, NoticeKind
from desk.ordering import OUTCOME_CODES, SupplyAnswer
from desk.people import Address, Manager, Staff, Supervisor
from desk.service import Desk
from desk.supply import RESTOCK_DAYS, RefusalReason
from handlers.console.links import ConsoleLink
from handlers.wecom.notes import note, post
from handlers.wecom.texts import say
from handlers.wecom.xmlmsg import (
    AppImage,
    AppLocation,
    AppText,
    AppVideo,
    AppVoice,
    CallbackMessage,
    CardPress,
    KfNotice,
)
from reports.staff_report import ReportMaker, WeekNotBegunError
from storage.staff_replies import StaffReplies

log = logging.getLogger(__name__)

WECOM = "wecom"
DEFAULT_ETA = ETA_CHOICES[1]
LANGS = {"zh", "en"}
ROLE_OF: dict[str, type[Staff]] = {"report": Supervisor, "mystats": Manager}
ROLE_ONLY: dict[type[Staff], str] = {Supervisor: "report.supervisors", Manager: "mystats.managers"}
# Send one text to a member (their userid) now.
Direct = Callable[[str, str], Awaitable[object]]


def content_of(message: CallbackMessage) -> Content | None:
    """Return what a member sent, in the desk's terms; the file stays with WeCom by media id."""
    if isinstance(message, AppText):
        origin = Address(WECOM, message.from_user)
        return Content(ContentKind.TEXT, message.content, origin, message.msg_id)
    if isinstance(message, AppLocation):
        origin = Address(WECOM, message.from_user)
        text = f"📍 {message.label} ({message.latitude:.5f}, {message.longitude:.5f})".strip()
        return Content(ContentKind.LOCATION, text, origin, message.msg_id)
    kinds: dict[type, ContentKind] = {
        AppImage: ContentKind.PHOTO,
        AppVoice: ContentKind.VOICE,
        AppVideo: ContentKind.VIDEO,
    }
    if isinstance(message, AppImage | AppVoice | AppVideo):
        origin = Address(WECOM, message.from_user)
        kind = kinds[type(message)]
        return Content(kind, "", origin, message.msg_id, file=message.media_id)
    return None


def _ticket_of(key: str, prefix: str) -> int | None:
    head, _, rest = key.partition(":")
    number = rest.partition(":")[0]
    return int(number) if head == prefix and number.isdigit() else None


class StaffDesk:
    """Take what staff send to the app to the desk, and tell them where it went."""

    def __init__(
        self,
        desk: Desk,
        replies: StaffReplies,
        reports: ReportMaker | None = None,
        console: ConsoleLink | None = None,
        direct: Direct | None = None,
    ) -> None:
        self.desk = desk
        self.replies = replies
        self.reports = reports
        self.console = console
        # Sends one text to a member at once, past the outbox (for what must not be stored).
        self.direct = direct

    async def take(self, message: CallbackMessage, update_id: int) -> None:
        """Hand one app message or card press to the desk."""
        if isinstance(message, KfNotice):
            return
        # As picked: a member who chose English with /lang is answered in English.
        staff = (await self.desk.who(Address(WECOM, message.from_user))).staff
        if staff is None:
            log.info("app update %s from someone not on the team", update_id)
            return
        source = Inbound(WECOM, update_id)
        if isinstance(message, CardPress):
            await self._press(staff, message.event_key, source)
            return
        content = content_of(message)
        if content is None:
            return
        if content.kind is ContentKind.TEXT and content.text.strip().startswith("/"):
            await self._command(staff, content.text.strip(), source)
            return
        found = numbered(content)
        if found is not None:
            await self._answer(staff, found[0], found[1], source)
            return
        if (complaint := complaint_numbered(content)) is not None:
            await self._answer_complaint(staff, complaint[0], complaint[1], source)
            return
        await self._plain(staff, content, source)

    async def _answer_complaint(
        self, staff: Staff, complaint_id: int, content: Content, source: Inbound
    ) -> None:
        """Relay a supervisor's "#C12 answer" to the retailer who complained."""
        cmd = AnswerComplaint(staff.id, complaint_id, content, source)
        outcome = await self.desk.answer_complaint_by_number(cmd)
        if outcome is Outcome.DONE:
            await self._say(staff, "wecom.complaint_answered", complaint=complaint_id)
        elif outcome is not Outcome.REPEATED:
            await self._say(staff, outcome.value)

    async def _say(
        self,
        staff: Staff,
        key: str,
        ticket_id: int | None = None,
        *,
        buttons: tuple[Button, ...] = (),
        **params: Any,
    ) -> None:
        ctx = self.desk.ctx
        address = Address(WECOM, _userid(staff))
        said = note(
            staff.id, address, staff.lang, key, ticket_id=ticket_id, buttons=buttons, **params
        )
        await post(ctx, said)

    async def _answer(
        self, staff: Staff, ticket_id: int, content: Content, source: Inbound
    ) -> None:
        outcome = await self.desk.answer_ticket(AnswerTicket(staff.id, ticket_id, content, source))
        if outcome is Outcome.REPEATED:
            return
        if outcome is Outcome.DONE:
            await self._say(staff, "wecom.answered", ticket_id, ticket=ticket_id)
        elif outcome is Outcome.NOT_A_TICKET:
            await self._say(staff, "ticket.unknown", ticket=ticket_id)
        else:
            await self._say(staff, outcome.value)

    async def _plain(self, staff: Staff, content: Content, source: Inbound) -> None:
        aim = await self.replies.aim_of(staff.id)
        if aim is not None and aim.ticket_id is not None:
            await self._answer(staff, aim.ticket_id, content, source)
            await self.replies.forget(staff.id)
            return
        waiting = [w.id for w in await self.desk.queue(staff.id) if w.ticket.waiting_since]
        if len(waiting) == 1:
            await self._answer(staff, waiting[0], content, source)
        elif not waiting:
            await self._say(staff, "wecom.no_ticket")
        else:
            # Nothing goes out until they pick: held where every worker sees it.
            await self.replies.hold(staff.id, content)
            buttons = tuple(Button("button.pick", f"pick:{number}") for number in waiting[:6])
            ctx = self.desk.ctx
            tickets = ", ".join(f"#{number}" for number in waiting)
            await post(
                ctx,
                note(
                    staff.id,
                    Address(WECOM, _userid(staff)),
                    staff.lang,
                    "wecom.which",
                    buttons=buttons,
                    count=len(waiting),
                    tickets=tickets,
                ),
            )

    async def _press(self, staff: Staff, key: str, source: Inbound) -> None:
        if (request := _ticket_of(key, "sup")) is not None:
            await self._supply(staff, request, key.split(":")[2:], source)
        elif (complaint := _ticket_of(key, "cpx")) is not None:
            closing = CloseComplaint(staff.id, complaint, source)
            outcome = await self.desk.close_complaint(closing)
            if outcome not in {Outcome.DONE, Outcome.REPEATED}:
                await self._say(staff, outcome.value)
        elif (ticket := _ticket_of(key, "ok")) is not None:
            minutes = _minutes(key)
            outcome = await self.desk.on_it(OnIt(staff.id, ticket, minutes, source))
            if outcome is Outcome.DONE:
                await self._say(staff, "eta_set", ticket, minutes=minutes)
            elif outcome is not Outcome.REPEATED:
                await self._say(staff, outcome.value)
        elif (ticket := _ticket_of(key, "done")) is not None:
            outcome = await self.desk.resolve(Resolve(staff.id, ticket, source))
            if outcome is Outcome.DONE:
                await self._say(staff, "resolved_ok", ticket, ticket=ticket)
            elif outcome is not Outcome.REPEATED:
                await self._say(staff, outcome.value)
        elif (ticket := _ticket_of(key, "reply")) is not None:
            await self.replies.aim(staff.id, ticket)
            await self._say(staff, "wecom.replying", ticket, ticket=ticket)
        elif (ticket := _ticket_of(key, "pick")) is not None:
            aim = await self.replies.aim_of(staff.id)
            if aim is not None and aim.held is not None:
                await self._answer(staff, ticket, aim.held, source)
                await self.replies.forget(staff.id)
            else:
                await self.replies.aim(staff.id, ticket)
                await self._say(staff, "wecom.replying", ticket, ticket=ticket)

    async def _supply(self, staff: Staff, request: int, fields: list[str], source: Inbound) -> None:
        """Record an order's outcome, first asking for the restock date or the reason."""
        code, more = (fields[0], fields[1:]) if fields else ("", [])
        if code not in OUTCOMES or (more and code not in NEEDS_MORE):
            await self._say(staff, "button.stale")
            return
        if code in NEEDS_MORE and not more:
            allowed = await self.desk.may_answer_supply(staff.id, request)
            if allowed is not Outcome.DONE:
                await self._say(staff, _refusal(allowed))
                return
            await self._say(staff, NEEDS_MORE[code], buttons=_more_choices(request, code))
            return
        try:
            days = int(more[0]) if code == "oos" else None
            reason = RefusalReason(more[0]) if code == "no" else None
        except ValueError:
            await self._say(staff, "button.stale")
            return
        cmd = SupplyAnswer(staff.id, request, OUTCOMES[code], days, reason, source)
        outcome = await self.desk.answer_supply(cmd)
        if outcome is not Outcome.REPEATED:
            await self._say(
                staff, "supply.answered" if outcome is Outcome.DONE else _refusal(outcome)
            )

    async def _command(self, staff: Staff, text: str, source: Inbound) -> None:
        name, _, rest = text[1:].partition(" ")
        name = name.lower()
        if name == "queue":
            waiting = await self.desk.queue(staff.id)
            if not waiting:
                await self._say(staff, "queue.empty")
                return
            lines = [f"#{w.id} · {w.retailer.name if w.retailer else '?'}" for w in waiting]
            head = f"({len(waiting)}) "
            await self._say(staff, "report", text=head + "\n".join(lines))
        elif name == "away":
            await self._away(staff, rest.split())
        elif name == "back":
            outcome = await self.desk.come_back(staff.id)
            await self._say(staff, "back.ok" if outcome is Outcome.DONE else "not_away")
        elif name == "lang" and rest.strip() in LANGS:
            await self.desk.choose_lang(Address(WECOM, _userid(staff)), rest.strip())
            await self._say(replace(staff, lang=rest.strip()), "lang.set")
        elif name in ROLE_OF:
            await self._report(staff, ROLE_OF[name], rest.strip() or None)
        elif name == "console":
            await self._console(staff)
        else:
            await self._say(staff, "wecom.help")

    async def _console(self, staff: Staff) -> None:
        """Send a member their one-time console link, straight to them and as plain text."""
        if self.console is None or self.direct is None:
            await self._say(staff, "console.off")
            return
        direct = self.direct

        async def send(url: str) -> None:
            # Not through the outbox, whose rows would keep the token as long as they are kept.
            await direct(_userid(staff), say(staff.lang, "console.link", url=url))
            log.info("console link sent to %s", staff.id)

        await self.console(staff, send)

    async def _away(self, staff: Staff, args: list[str]) -> None:
        """Start leave: /away YYYY-MM-DD colleague-id, to the end of that day in the desk's zone."""
        try:
            day = datetime.strptime(args[0], "%Y-%m-%d").date()
            covering = args[1]
        except (IndexError, ValueError):
            await self._say(staff, "away.usage")
            return
        until = datetime.combine(day, time.max, self.desk.ctx.timezone)
        outcome = await self.desk.go_away(Away(staff.id, until, covering))
        if outcome is Outcome.DONE:
            name = self.desk.ctx.team.name_of(covering)
            await self._say(staff, "away.ok", until=day.isoformat(), covering=name)
        else:
            await self._say(staff, outcome.value)

    async def _report(self, staff: Staff, role: type[Staff], week: str | None) -> None:
        """Send a supervisor their team's week, or a manager their own: text, chart and table."""
        if self.reports is None:
            return
        if not isinstance(staff, role):
            # Staff, just not this command's: point them to the one that is theirs.
            await self._say(staff, ROLE_ONLY[role])
            return
        try:
            report = await self.reports(staff, week)
        except WeekNotBegunError as error:
            await self._say(staff, "report.not_begun", week=error.week)
            return
        except ValueError:
            await self._say(staff, "report.bad_week")
            return
        address = Address(WECOM, _userid(staff))
        parts: list[tuple[dict[str, str], Attachment | None]] = [
            ({"text": report.text}, None),
            ({}, report.chart),
            ({}, report.table),
        ]
        async with self.desk.ctx.store.transaction() as ledger:
            for params, attachment in parts:
                notice = Notice(
                    staff.id, address, NoticeKind.REPORT, staff.lang, params, attachment=attachment
                )
                await ledger.post(notice)


def _userid(staff: Staff) -> str:
    found = next((c.chat for c in staff.contacts if c.channel == WECOM), None)
    return found or staff.id


# An order's outcome by its code on the button; two of them need one more choice.
OUTCOMES = {code: outcome for outcome, code in OUTCOME_CODES.items()}
NEEDS_MORE = {"oos": "choose_restock", "no": "choose_reason"}


def _more_choices(request: int, code: str) -> tuple[Button, ...]:
    """Return the buttons that finish an out-of-stock or a refusal: when, or why."""
    if code == "oos":
        return tuple(Button(f"button.restock{d}", f"sup:{request}:oos:{d}") for d in RESTOCK_DAYS)
    return tuple(
        Button(f"button.reason.{r.value}", f"sup:{request}:no:{r.value}") for r in RefusalReason
    )


def _refusal(outcome: Outcome) -> str:
    """Return the text key for a refused press on an order's button."""
    return "button.stale" if outcome is Outcome.NOT_A_TICKET else outcome.value


def _minutes(key: str) -> int:
    parts = key.split(":")
    if len(parts) == 3 and parts[2].isdigit() and int(parts[2]) in ETA_CHOICES:
        return int(parts[2])
    return DEFAULT_ETA
