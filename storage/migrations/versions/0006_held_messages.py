"""Held messages: what a retailer wrote while it was unclear whether it was for the supervisor

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 15:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "held_messages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("retailer_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["retailer_id"], ["retailers.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_held_messages_retailer_id", "held_messages", ["retailer_id"])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_held_messages_retailer_id", table_name="held_messages")
    op.drop_table("held_messages")
