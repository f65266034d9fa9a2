"""/report for supervisors and /mystats for managers: the summary, on demand."""

from __future__ import annotations

from telegram import InputFile, Message, Update

from desk.people import Manager, Staff, Supervisor
from handlers.telegram.services import Context
from handlers.telegram.staff import staff_member
from handlers.telegram.texts import say
from reports.staff_report import StaffReport, WeekNotBegunError

# What a staff member of the other role is told: each command names its role.
ROLE_ONLY: dict[type[Staff], str] = {Supervisor: "report.supervisors", Manager: "mystats.managers"}


async def on_report(update: Update, context: Context) -> None:
    """Send a supervisor their team's summary: /report or /report 2026-W47."""
    await _send_report(update, context, Supervisor)


async def on_mystats(update: Update, context: Context) -> None:
    """Send a manager their own figures."""
    await _send_report(update, context, Manager)


async def _send_report(update: Update, context: Context, role: type[Staff]) -> None:
    found = await staff_member(update, context)
    message = update.effective_message
    if found is None or message is None:
        return
    member, lang = found
    if not isinstance(member, role):
        # Staff, just not this command's: point them to the one that is theirs.
        await message.reply_text(say(lang, ROLE_ONLY[role]))
        return
    week = context.args[0] if context.args else None
    try:
        report = await context.bot_data.reports(member, week)
    except WeekNotBegunError as error:
        await message.reply_text(say(lang, "report.not_begun", week=error.week))
        return
    except ValueError:
        await message.reply_text(say(lang, "report.bad_week"))
        return
    await deliver(message, report)


async def deliver(message: Message, report: StaffReport) -> None:
    """Reply with the text, the chart and the CSV."""
    await message.reply_text(report.text)
    await message.reply_photo(InputFile(report.chart.data, filename=report.chart.filename))
    await message.reply_document(InputFile(report.table.data, filename=report.table.filename))
