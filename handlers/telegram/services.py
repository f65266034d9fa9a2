"""The typed container through which handlers reach the desk (PTB's bot_data)."""

from __future__ import annotations

from telegram.ext import CallbackContext, ExtBot

from desk.service import Desk
from reports.staff_report import ReportMaker


class Services:
    """What the handlers use, wired once by the composition root."""

    def __init__(self) -> None:
        self._desk: Desk | None = None
        self._reports: ReportMaker | None = None
        # Why each failed update failed, so the intake can tell passing trouble from bad input.
        self.failures: dict[int, Exception] = {}

    def wire(self, desk: Desk, reports: ReportMaker | None = None) -> None:
        """Attach the desk (and the report maker) once everything is built."""
        self._desk = desk
        self._reports = reports

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
