"""The library at work: suggest entries to a waiting retailer, and grow it from good answers."""

from __future__ import annotations

import re
from dataclasses import dataclass

from desk.commands import Outcome
from desk.complaints import overseers
from desk.content import ContentKind
from desk.context import DeskContext
from desk.guide import DraftState, Entry, GuideDraft
from desk.notices import Button, Notice, NoticeKind
from desk.people import Address
from desk.tickets import TicketMessage

MARKS = ("①", "②", "③", "④", "⑤")
_CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class SaveDraft:
    """A staff member saves one of their answers for the library."""

    staff_id: str
    address: Address
    message_id: str


@dataclass(frozen=True)
class Decide:
    """A supervisor (or the admin) approves or rejects a draft."""

    by: str
    draft_id: int
    approve: bool
    # The admin decides from the command line and is not on the team.
    admin: bool = False
    # The question as the library shows it, in the approver's words.
    question: str | None = None


def entry_buttons(entries: list[Entry]) -> tuple[Button, ...]:
    """Return one numbered button per entry, opening it."""
    return tuple(Button(f"button.pick{i + 1}", f"gd:e:{e.id}") for i, e in enumerate(entries))


def language_of(text: str) -> str:
    """Guess whether a text is Chinese or English."""
    return "zh" if _CJK.search(text) else "en"


async def suggest(ctx: DeskContext, address: Address, question: str) -> int:
    """Show a waiting retailer up to three fitting entries, once per round; return how many."""
    library = await ctx.guide.current(ctx.store, ctx.clock.now())
    found = library.suggest(question)
    if not found:
        return 0
    async with ctx.store.transaction() as ledger:
        retailer = await ledger.retailer_at(address)
        ticket = await ledger.open_ticket_of(retailer.id) if retailer else None
        if retailer is None or ticket is None:
            return 0
        told = await ledger.last_notice(ticket.id, retailer.id, (NoticeKind.GUIDE_SUGGEST,))
        if told is not None and told.not_before >= (ticket.waiting_since or ticket.opened_at):
            return 0
        lines = [f"{MARKS[i]} {e.title(retailer.lang)}" for i, e in enumerate(found)]
        await ledger.post(
            Notice(
                to=retailer.id,
                address=ctx.reach(retailer),
                kind=NoticeKind.GUIDE_SUGGEST,
                lang=retailer.lang,
                params={"items": "\n".join(lines), "manager": ctx.team.name_of(ticket.manager_id)},
                ticket_id=ticket.id,
                buttons=entry_buttons(found),
            )
        )
    return len(found)


def _question_before(conversation: list[TicketMessage], answer: TicketMessage) -> str:
    """Return the retailer's messages the answer replied to: those since the last answer."""
    asked: list[str] = []
    for message in conversation:
        if message.at > answer.at or message == answer:
            break
        if not message.from_retailer:
            asked = []
        elif message.content.text:
            asked.append(message.content.text)
    return "\n".join(asked)


async def save_draft(ctx: DeskContext, cmd: SaveDraft) -> Outcome:
    """Save a staff answer and its question as a draft, and ask the supervisor to approve it."""
    async with ctx.store.transaction() as ledger:
        answer = await ledger.staff_message(cmd.address, cmd.message_id)
        if answer is None or answer.author_id != cmd.staff_id:
            return Outcome.NOT_AN_ANSWER
        question = _question_before(await ledger.conversation(answer.ticket_id), answer)
        if answer.content.kind is not ContentKind.TEXT or not question:
            return Outcome.NOT_AN_ANSWER
        draft = await ledger.create_draft(
            GuideDraft(
                id=0,
                ticket_id=answer.ticket_id,
                author_id=cmd.staff_id,
                question=question,
                answer=answer.content.text,
                lang=language_of(question + answer.content.text),
                created_at=ctx.clock.now(),
                channel=cmd.address.channel,
                chat=cmd.address.chat,
                message_id=cmd.message_id,
            )
        )
        if draft is None:
            return Outcome.ALREADY_SAVED
        for supervisor in overseers(ctx.team, cmd.staff_id):
            await ledger.post(
                Notice(
                    to=supervisor.id,
                    address=ctx.reach(supervisor),
                    kind=NoticeKind.GUIDE_DRAFT,
                    lang=supervisor.lang,
                    params={
                        "draft": draft.id,
                        "author": ctx.team.name_of(cmd.staff_id),
                        "question": draft.question,
                        "text": draft.answer,
                    },
                    buttons=(
                        Button("button.approve", f"gdd:{draft.id}:ok"),
                        Button("button.reject", f"gdd:{draft.id}:no"),
                    ),
                )
            )
    return Outcome.DONE


async def decide(ctx: DeskContext, cmd: Decide) -> Outcome:
    """Approve a draft into the library, or reject it; each draft is decided once."""
    if not cmd.admin and cmd.by not in ctx.team.supervisors:
        return Outcome.NOT_YOURS
    async with ctx.store.transaction() as ledger:
        draft = await ledger.guide_draft(cmd.draft_id)
        if draft is None:
            return Outcome.NO_ENTRY
        if draft.state is not DraftState.DRAFT:
            return Outcome.DECIDED
        wording = " ".join((cmd.question or "").split())
        if cmd.approve and wording in ("", " ".join(draft.question.split())):
            # The draft's question is what a retailer wrote; the library shows it to every
            # retailer, so it is published only as someone who read it has reworded it.
            return Outcome.NEEDS_WORDING
        now = ctx.clock.now()
        state = DraftState.APPROVED if cmd.approve else DraftState.REJECTED
        decided = draft.evolve(state=state, decided_by=cmd.by, decided_at=now)
        await ledger.save_draft(decided.evolve(question=wording) if cmd.approve else decided)
        author = ctx.team.staff(draft.author_id)
        if cmd.approve and author is not None:
            await ledger.post(
                Notice(
                    to=author.id,
                    address=ctx.reach(author),
                    kind=NoticeKind.GUIDE_ADDED,
                    lang=author.lang,
                    params={"draft": draft.id, "question": draft.entry().title(draft.lang)},
                )
            )
    ctx.guide.forget()
    return Outcome.DONE
