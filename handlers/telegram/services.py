"""The typed container through which handlers reach the desk (PTB's bot_data)."""

from __future__ import annotations

from telegram.ext import CallbackContext, ExtBot

from desk.service import Desk


class Services:
    """What the handlers use, wired once by the composition root."""

    def __init__(self) -> None:
        self._desk: Desk | None = None
        # Why each failed update failed, so the intake can tell passing trouble from bad input.
        self.failures: dict[int, Exception] = {}

    def wire(self, desk: Desk) -> None:
        """Attach the desk once everything is built."""
        self._desk = desk

    @property
    def desk(self) -> Desk:
        """Return the desk; wiring happens before any update is handled."""
        if self._desk is None:
            raise RuntimeError("services used before wiring")
        return self._desk


Context = CallbackContext[ExtBot[None], dict[object, object], dict[object, object], Services]
