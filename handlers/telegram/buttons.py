"""Inline buttons: 'on it' with an ETA, and 'resolve'; ids only, checked against the presser."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from desk.answering import ETA_CHOICES
from desk.commands import OnIt, Outcome, Resolve
from handlers.telegram.reading import reader
from handlers.telegram.services import Context
from handlers.telegram.texts import say
from handlers.telegram.translate import inbound_of


def parse(data: str | None) -> tuple[str, int, int | None] | None:
    """Read 'on:12', 'eta:12:30' or 'res:12'; None for anything else."""
    parts = (data or "").split(":")
    if len(parts) not in (2, 3) or parts[0] not in {"on", "eta", "res"}:
        return None
    if not all(p.isascii() and p.isdigit() and len(p) < 12 for p in parts[1:]):
        return None
    minutes = int(parts[2]) if len(parts) == 3 else None
    fits = minutes in ETA_CHOICES if parts[0] == "eta" else minutes is None
    if not fits:
        return None
    return parts[0], int(parts[1]), minutes


async def on_button(update: Update, context: Context) -> None:
    """Apply a button press if the presser is the ticket's manager."""
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    desk = context.bot_data.desk
    someone, lang = await reader(user, context)
    member, pressed = someone.staff, parse(query.data)
    if member is None or pressed is None:
        # Data none of our buttons carries is an old or forged button, whoever presses it.
        key = "button.stale" if pressed is None else "staff_only"
        await query.answer(say(lang, key), show_alert=True)
        return
    action, ticket_id, minutes = pressed
    if action == "on":
        allowed = await desk.may_act(member.id, ticket_id)
        if allowed is not Outcome.DONE:
            await query.answer(say(lang, _refusal(allowed)), show_alert=True)
            return
        await query.answer()
        await ask_for_eta(context, user.id, ticket_id, lang)
        return
    source = inbound_of(update)
    if action == "eta" and minutes is not None:
        outcome = await desk.on_it(OnIt(member.id, ticket_id, minutes, source))
        done_text = say(lang, "eta_set", minutes=minutes)
    else:
        outcome = await desk.resolve(Resolve(member.id, ticket_id, source))
        done_text = say(lang, "resolved_ok", ticket=ticket_id)
    # REPEATED: this very press was applied before, and only its answer went missing.
    done = outcome in (Outcome.DONE, Outcome.REPEATED)
    await query.answer(done_text if done else say(lang, _refusal(outcome)), show_alert=True)


def _refusal(outcome: Outcome) -> str:
    """Return the text key for a refused press; a ticket that does not exist is an old button."""
    return "button.stale" if outcome is Outcome.NOT_A_TICKET else outcome.value


async def ask_for_eta(context: Context, chat_id: int, ticket_id: int, lang: str) -> None:
    """Offer the ETA choices in the presser's own chat, wherever the press came from."""
    row = [
        InlineKeyboardButton(
            say(lang, "button.eta", minutes=m), callback_data=f"eta:{ticket_id}:{m}"
        )
        for m in ETA_CHOICES
    ]
    markup = InlineKeyboardMarkup([row])
    await context.bot.send_message(chat_id, say(lang, "choose_eta"), reply_markup=markup)
