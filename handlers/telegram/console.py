"""/console for staff: a one-time link to the web console, sent straight back, never queued."""

from __future__ import annotations

import logging

from telegram import LinkPreviewOptions, Update

from handlers.telegram.services import Context
from handlers.telegram.staff import staff_member
from handlers.telegram.texts import say

log = logging.getLogger(__name__)

# A preview crawler opening the link would see only its confirm page, but fetches nothing else.
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


async def on_console(update: Update, context: Context) -> None:
    """Answer a staff member with their one-time console link, previews off."""
    found = await staff_member(update, context)
    message = update.effective_message
    if found is None or message is None:
        return
    member, lang = found
    link = context.bot_data.console
    if link is None:
        await message.reply_text(say(lang, "console.off"))
        return

    async def send(url: str) -> None:
        # Sent directly rather than through the outbox, which would keep the token in its rows.
        text = say(lang, "console.link", url=url)
        await message.reply_text(text, link_preview_options=NO_PREVIEW)
        log.info("console link sent to %s", member.id)

    await link(member, send)
