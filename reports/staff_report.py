"""What a staff member asks for on demand: their summary, and who makes it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from desk.notices import Attachment
from desk.people import Staff


class StaffReport(Protocol):
    """A rendered summary: the message text, the chart and the table."""

    @property
    def text(self) -> str:
        """Return the phone-sized text table."""
        ...

    @property
    def chart(self) -> Attachment:
        """Return the PNG chart."""
        ...

    @property
    def table(self) -> Attachment:
        """Return the CSV file."""
        ...


class WeekNotBegunError(ValueError):
    """Raised for a report on a week that has not started yet."""

    def __init__(self, week: str) -> None:
        super().__init__(f"{week} has not begun yet")
        self.week = week


ReportMaker = Callable[[Staff, str | None], Awaitable[StaffReport]]
"""Build the report a staff member may see, for an ISO week like '2026-W47' or the current one."""
