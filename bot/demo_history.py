"""Give the demo's console four weeks of history, played through the desk itself."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from bot.app import RetailDesk, build, prepare
from bot.config import Settings
from bot.demo_cases import DAYS, Case, Planner
from desk.clock import HandClock
from desk.commands import AnswerTicket, Ask, OnIt, Outcome, Resolve, ShareContact
from desk.content import Content, ContentKind
from desk.feedback import Comment, Rate
from desk.notices import NoticeKind
from desk.ordering import Order, SupplyAnswer
from desk.people import Address
from desk.supply import OrderLine, RefusalReason, SupplyOutcome

log = logging.getLogger(__name__)

# Rings of the alarm at one moment before the history gives up on a step that never fires.
MAX_RINGS = 10
# The roster's retailers and their Telegram chats; those the roster gives no chat link theirs
# by sharing their phone, as a retailer does with the bot's contact button.
CHATS = {"r001": 810000001, "r002": 810000002, "r003": 810000003, "r004": 810000004}
CHATS |= {"r005": 810000005}


Act = Callable[[], Awaitable[None]]


class Player:
    """Play cases through the desk on a clock moved by hand, firing the ladder as time passes."""

    def __init__(self, app: RetailDesk, clock: HandClock, managers: dict[str, str]) -> None:
        self.app = app
        self.clock = clock
        self.managers = managers
        self.tickets: dict[int, int] = {}
        self.requests: dict[int, int] = {}
        # The earliest due time written since the ladder last looked (it may have passed
        # meanwhile, with an answer): what the running desk's alarm is armed for.
        self.due: datetime | None = None
        app.store.on_due(self._noted)

    def _noted(self, due: datetime) -> None:
        if self.due is None or due < self.due:
            self.due = due

    async def link(self, retailer_id: str, chat: int) -> None:
        """Link a retailer's chat by the phone they share, unless the roster linked it."""
        async with self.app.store.peek() as ledger:
            retailer = await ledger.retailer(retailer_id)
        if retailer is None or retailer.contacts:
            return
        address = _address(chat)
        share = ShareContact(address, retailer.phone, str(chat), str(chat))
        _check(await self.app.desk.share_contact(share))

    async def play(self, cases: list[Case], until: datetime) -> None:
        """Play every step of the cases in time order, then let the ladder run up to `until`."""
        steps = sorted(
            (step for index, case in enumerate(cases) for step in self._steps(index, case)),
            key=lambda step: step[0],
        )
        for moment, act in steps:
            await self.until(moment)
            await act()
        await self.until(until)

    async def until(self, moment: datetime) -> None:
        """Move the clock to a moment, firing each ladder step at its own due time on the way."""
        escalator = self.app.alarm.escalator
        again = 0
        while self.due is not None and self.due <= moment:
            # An answer since may have moved the step on: the database says what is due.
            self.due = await escalator.earliest_due()
            if self.due is None or self.due > moment:
                break
            # A ticket climbs one step a round: a promise broken past two steps' times fires
            # the next at once, on the alarm's next ring, as in the running desk.
            again = again + 1 if self.due <= self.clock.now() else 0
            if again > MAX_RINGS:
                raise RuntimeError(f"a step due at {self.due} does not fire")
            self.clock.set(max(self.due, self.clock.now()))
            await escalator.fire_due()
            self.due = self.clock.now()
        self.clock.set(moment)

    def _steps(self, index: int, case: Case) -> list[tuple[datetime, Act]]:
        desk = self.app.desk
        manager_id = self.managers[case.retailer_id]
        address = _address(CHATS[case.retailer_id])

        def ticket() -> int:
            return self.tickets[index]

        async def ask() -> None:
            if case.brand is not None:
                line = OrderLine(case.brand, case.quantity)
                _check(await desk.order(Order(address, line)))
            else:
                content = Content(ContentKind.TEXT, case.question)
                _check(await desk.ask(Ask(address, content)))
            async with self.app.store.peek() as ledger:
                opened = await ledger.open_ticket_of(case.retailer_id)
                assert opened is not None
                self.tickets[index] = opened.id
                if case.brand is not None:
                    # The manager's order message names the request its buttons answer.
                    kinds = (NoticeKind.SUPPLY,)
                    queued = await ledger.last_notice(opened.id, opened.manager_id, kinds)
                    assert queued is not None
                    self.requests[index] = int(str(queued.notice.params["request"]))

        async def on_it() -> None:
            assert case.on_it is not None
            _check(await desk.on_it(OnIt(manager_id, ticket(), case.on_it[1])))

        async def outcome() -> None:
            assert case.outcome is not None
            out_of_stock = case.outcome is SupplyOutcome.OUT_OF_STOCK
            refused = case.outcome is SupplyOutcome.REFUSED
            answer = SupplyAnswer(
                manager_id,
                self.requests[index],
                case.outcome,
                # 李经理 never says when the stock comes back.
                restock_days=(0 if manager_id == "m1" else 3) if out_of_stock else None,
                reason=RefusalReason.QUOTA if refused else None,
            )
            _check(await desk.answer_supply(answer))

        async def answer() -> None:
            if case.brand is not None and case.outcome_at is None:
                await outcome()
                return
            content = Content(ContentKind.TEXT, case.answer)
            _check(await desk.answer_ticket(AnswerTicket(case.answered_by, ticket(), content)))

        async def resolve() -> None:
            _check(await desk.resolve(Resolve(manager_id, ticket())))

        async def rate() -> None:
            assert case.score is not None
            _check(await desk.rate(Rate(address, ticket(), case.score)))
            if case.comment is not None:
                _check(await desk.want_comment(address, ticket()))
                _check(await desk.comment(Comment(address, ticket(), case.comment)))

        steps: list[tuple[datetime, Act]] = [(case.asked_at, ask)]
        if case.on_it is not None:
            steps.append((case.on_it[0], on_it))
        steps.append((case.answered_at, answer))
        if case.outcome_at is not None:
            steps.append((case.outcome_at, outcome))
        steps.append((case.resolved_at, resolve))
        if case.rated_at is not None:
            steps.append((case.rated_at, rate))
        return steps


async def play_history(settings: Settings, story: datetime) -> int:
    """Play four weeks of the desk's life on the demo's database, up to the story; count cases.

    Everything goes through the desk's own commands and its ladder, fired at each step's due
    time, so the console reads what the product itself would have written.
    """
    clock = HandClock(story - timedelta(days=DAYS, hours=1))
    app = build(settings, clock=clock)
    await prepare(app)
    try:
        managers: dict[str, str] = {}
        async with app.store.peek() as ledger:
            for retailer_id in CHATS:
                retailer = await ledger.retailer(retailer_id)
                if retailer is not None:
                    managers[retailer_id] = retailer.manager_id
        cases = Planner(settings.team(), settings.zone(), managers).cases(story)
        player = Player(app, clock, managers)
        for retailer_id in managers:
            await player.link(retailer_id, CHATS[retailer_id])
        await player.play(cases, story - timedelta(seconds=1))
        # Sending the history's notices through the real sender doubled its time (11 s
        # against 5.5 s for four weeks), so they are marked sent as they were posted, in the
        # outbox alone; the live desk's sender finds none of them to deliver to the stand-in.
        await app.outbox.settle_as_posted()
    finally:
        await app.store.dispose()
    log.info("demo history: %d cases played", len(cases))
    return len(cases)


def _address(chat: int) -> Address:
    return Address("telegram", str(chat))


def _check(outcome: Outcome) -> None:
    """Stop the history at a command the desk did not take: the plan went wrong."""
    if outcome is not Outcome.DONE:
        raise RuntimeError(f"the desk answered {outcome.value}")
