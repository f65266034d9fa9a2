"""/order and the manager's outcome buttons: fulfilled, partly, out of stock, refused."""

from __future__ import annotations

from telegram import Update

from desk.commands import Outcome
from desk.ordering import OUTCOME_CODES, Order, SupplyAnswer
from desk.prompts import Awaited
from desk.supply import RESTOCK_DAYS, RefusalReason, parse_order
from handlers.telegram.keyboards import choices
from handlers.telegram.menu import prompt_for, retailer_of
from handlers.telegram.pressing import fields, staff_pressing
from handlers.telegram.services import Context
from handlers.telegram.texts import say
from handlers.telegram.translate import chat_of, inbound_of

OUTCOMES = {code: outcome for outcome, code in OUTCOME_CODES.items()}
# Pressing these asks one more question: the restock date, or the reason.
NEEDS_MORE = {"oos": "choose_restock", "no": "choose_reason"}


async def on_order(update: Update, context: Context) -> None:
    """Place the order given after the command, or take the next message as one."""
    text = " ".join(context.args or [])
    if not text:
        await prompt_for(update, context, Awaited.ORDER)
        return
    found = await retailer_of(update, context)
    if found is None:
        return
    message, _, lang = found
    line = parse_order(text)
    address = chat_of(message.chat_id)
    outcome = (
        await context.bot_data.desk.order(Order(address, line, inbound_of(update)))
        if line
        else Outcome.BAD_ORDER
    )
    if outcome not in {Outcome.DONE, Outcome.REPEATED}:
        await message.reply_text(say(lang, outcome.value))


async def on_outcome(update: Update, context: Context) -> None:
    """Record the order's outcome, first asking for the restock date or the reason."""
    found = await staff_pressing(update, context)
    if found is None:
        return
    query, member, lang = found
    request, code, *more = fields(query)
    desk = context.bot_data.desk
    if code in NEEDS_MORE and not more:
        allowed = await desk.may_answer_supply(member.id, int(request))
        if allowed is not Outcome.DONE:
            await query.answer(say(lang, refusal(allowed)), show_alert=True)
            return
        await query.answer()
        await _ask_more(update, int(request), code, lang)
        return
    days = int(more[0]) if code == "oos" else None
    reason = RefusalReason(more[0]) if code == "no" else None
    cmd = SupplyAnswer(member.id, int(request), OUTCOMES[code], days, reason, inbound_of(update))
    outcome = await desk.answer_supply(cmd)
    done = outcome is Outcome.DONE
    await query.answer(say(lang, "supply.answered" if done else refusal(outcome)), show_alert=True)


def refusal(outcome: Outcome) -> str:
    """Return the text key for a refused press on an order's button."""
    # No such order: the button is forged or outlived its order, not a reply gone astray.
    return "button.stale" if outcome is Outcome.NOT_A_TICKET else outcome.value


async def _ask_more(update: Update, request: int, code: str, lang: str) -> None:
    message = update.effective_message
    assert message is not None
    if code == "oos":
        labelled = [(f"button.restock{d}", f"sup:{request}:oos:{d}") for d in RESTOCK_DAYS]
    else:
        labelled = [
            (f"button.reason.{r.value}", f"sup:{request}:no:{r.value}") for r in RefusalReason
        ]
    await message.reply_text(say(lang, NEEDS_MORE[code]), reply_markup=choices(lang, labelled))
