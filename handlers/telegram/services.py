"""The typed container through which handlers reach the desk (PTB's bot_data)."""

from __future__ import annotations

from telegram.ext import CallbackContext, ExtBot

from desk.service import Desk
from handlers.console.links import ConsoleLink
from reports.staff_report import ReportMaker


class Services:
    """What the handlers use, wired once by the composition root."""

    def __init__(self) -> None:
        self._desk: Desk | None = None
        self._reports: ReportMaker | None = None
        # Issues /console links; None while the console is not wired.
        self.console: ConsoleLink | None = None
        # Why each failed update failed, so the intake can tell passing trouble from bad input.
        self.failures: dict[int, Exception] = {}

    def wire(
        self, desk: Desk, reports: ReportMaker | None = None, console: ConsoleLink | None = None
    ) -> None:
        """Attach the desk (the report maker, the console's links) once everything is built."""
        self._desk = desk
        self._reports = reports
        self.console = console

    @property
    def reports(self) -> ReportMaker:
        """Return what builds /report and /mystats answers."""
        if self._reports is None:
            raise RuntimeError("reports used before wiring")
        return self._reports

    @property
    def desk(self) -> Desk:
        """Return the desk; wiring happens before any update is handled."""
        if self._desk is None:
            raise RuntimeError("services used before wiring")
        return self._desk


Context = CallbackContext[ExtBot[None], dict[object, object], dict[object, object], Services]
