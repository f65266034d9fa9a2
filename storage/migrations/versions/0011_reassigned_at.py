"""When a supervisor last handed a ticket to another manager: its rungs climb afresh from then

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0011"
# 0010 (the console's sessions) is written on another branch: this one follows it once merged.
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    # A nullable column is added in place on SQLite too: no copy of a large tickets table.
    op.add_column(
        "tickets",
        sa.Column("reassigned_at", storage.types.UtcDateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("reassigned_at")
