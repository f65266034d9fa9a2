"""Who pressed an inline button, and what the button's data says."""

from __future__ import annotations

from telegram import CallbackQuery, Update

from desk.people import Staff
from handlers.telegram.reading import reader
from handlers.telegram.services import Context
from handlers.telegram.texts import say


async def staff_pressing(
    update: Update, context: Context
) -> tuple[CallbackQuery, Staff, str] | None:
    """Return the query and the staff member who pressed; refuse anyone else."""
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return None
    someone, lang = await reader(user, context)
    member = someone.staff
    if member is None:
        await query.answer(say(lang, "staff_only"), show_alert=True)
        return None
    return query, member, lang


def fields(query: CallbackQuery) -> list[str]:
    """Return the parts of the button's data after its prefix: 'sup:12:oos:3' → 12, oos, 3."""
    return (query.data or "").split(":")[1:]
