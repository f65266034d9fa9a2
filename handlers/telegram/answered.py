"""What a staff member sees once their answer is on its way: the save-to-guide button."""

from __future__ import annotations

from telegram import Message

from handlers.telegram.keyboards import choices
from handlers.telegram.texts import say


async def offer_saving(message: Message, lang: str) -> None:
    """Confirm a text answer went out, with the one button that saves it for the library."""
    if message.text is None:
        return
    button = [("button.save_guide", f"gds:{message.message_id}")]
    await message.reply_text(say(lang, "answer.sent"), reply_markup=choices(lang, button))
