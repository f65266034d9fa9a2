"""What a staff member's next plain message answers, where their chat app has no replies

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 18:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "staff_replies",
        sa.Column("staff_id", sa.String(length=64), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=True),
        sa.Column("chat_id", sa.String(length=128), nullable=True),
        sa.Column("message_id", sa.String(length=128), nullable=True),
        sa.Column("file_ref", sa.String(length=512), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("staff_id"),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("staff_replies")
