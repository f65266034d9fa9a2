"""Indexes for the weekly reports: a manager's tickets by week, and events covered per ticket

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 21:25:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_index("ix_tickets_manager_opened", "tickets", ["manager_id", "opened_at"])
    op.create_index(
        "ix_events_ticket_figures",
        "events",
        ["ticket_id", "kind", "at", "round", "seconds", "step", "actor"],
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_events_ticket_figures", table_name="events")
    op.drop_index("ix_tickets_manager_opened", table_name="tickets")
