"""Inline keyboards the handlers build themselves, labels in the reader's language."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from handlers.telegram.texts import say

MENU = ("order", "guide", "complain", "lang")


def menu_keyboard(lang: str) -> InlineKeyboardMarkup:
    """Return a retailer's menu: order, guide, complaint, and the other language."""
    buttons = [
        InlineKeyboardButton(say(lang, f"button.menu.{item}"), callback_data=f"menu:{item}")
        for item in MENU
    ]
    return InlineKeyboardMarkup([buttons[:2], buttons[2:]])


def choices(
    lang: str, labelled: Sequence[tuple[str, str]], per_row: int = 2
) -> InlineKeyboardMarkup:
    """Return buttons from (catalog key, callback data) pairs, a few to a row."""
    buttons = [InlineKeyboardButton(say(lang, key), callback_data=data) for key, data in labelled]
    return InlineKeyboardMarkup([buttons[i : i + per_row] for i in range(0, len(buttons), per_row)])


def titled(rows: Sequence[tuple[str, str]], per_row: int = 1) -> InlineKeyboardMarkup:
    """Return buttons from (label, callback data) pairs whose labels are not catalog texts."""
    buttons = [InlineKeyboardButton(label[:60], callback_data=data) for label, data in rows]
    return InlineKeyboardMarkup([buttons[i : i + per_row] for i in range(0, len(buttons), per_row)])
