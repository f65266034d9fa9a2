"""Indexes for the console: a few managers' ratings and supply requests by time

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 21:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_index("ix_ratings_manager_rated", "ratings", ["manager_id", "rated_at"])
    op.create_index(
        "ix_supply_requests_manager_opened", "supply_requests", ["manager_id", "opened_at"]
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_supply_requests_manager_opened", table_name="supply_requests")
    op.drop_index("ix_ratings_manager_rated", table_name="ratings")
