"""微信客服: the sync cursor of each kf account and each customer's reply window

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 18:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "kf_cursors",
        sa.Column("open_kfid", sa.String(length=64), nullable=False),
        sa.Column("cursor", sa.String(length=128), nullable=False),
        sa.Column("updated_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("open_kfid"),
    )
    op.create_table(
        "kf_windows",
        sa.Column("external_userid", sa.String(length=128), nullable=False),
        sa.Column("open_kfid", sa.String(length=64), nullable=False),
        sa.Column("last_in_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("sent", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("external_userid"),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("kf_windows")
    op.drop_table("kf_cursors")
