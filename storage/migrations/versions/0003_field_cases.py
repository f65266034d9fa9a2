"""ratings, confidential complaints, supply requests, guide drafts and chosen languages

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 20:47:49.822827
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types


revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "complaints",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("retailer_id", sa.String(length=64), nullable=False),
        sa.Column("manager_id", sa.String(length=64), nullable=False),
        sa.Column("supervisor_id", sa.String(length=64), nullable=True),
        sa.Column("opened_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("policy", sa.Text(), nullable=False),
        sa.Column("closed_at", storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("waiting_since", storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("last_step", sa.Integer(), nullable=False),
        sa.Column("last_fired_at", storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("next_due_at", storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("first_response_at", storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.create_index("ix_complaints_next_due_at", ["next_due_at"], unique=False)
        batch_op.create_index("ix_complaints_opened_at", ["opened_at"], unique=False)
        batch_op.create_index(
            "ix_complaints_retailer_closed", ["retailer_id", "closed_at"], unique=False
        )

    op.create_table(
        "guide_drafts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.String(length=64), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("chat_id", "message_id", name="uq_guide_drafts_message"),
    )
    with op.batch_alter_table("guide_drafts", schema=None) as batch_op:
        batch_op.create_index("ix_guide_drafts_state", ["state"], unique=False)

    op.create_table(
        "staff_langs",
        sa.Column("staff_id", sa.String(length=64), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("updated_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("staff_id"),
    )
    op.create_table(
        "complaint_messages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.String(length=64), nullable=False),
        sa.Column("from_retailer", sa.Boolean(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaints.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("complaint_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_complaint_messages_complaint_id"), ["complaint_id"], unique=False
        )

    op.create_table(
        "ratings",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("retailer_id", sa.String(length=64), nullable=False),
        sa.Column("manager_id", sa.String(length=64), nullable=False),
        sa.Column("due_at", storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("asked_at", storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("rated_at", storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
        ),
        sa.PrimaryKeyConstraint("ticket_id"),
    )
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.create_index("ix_ratings_due_at", ["due_at"], unique=False)
        batch_op.create_index("ix_ratings_rated_at", ["rated_at"], unique=False)

    op.create_table(
        "supply_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("retailer_id", sa.String(length=64), nullable=False),
        sa.Column("manager_id", sa.String(length=64), nullable=False),
        sa.Column("brand", sa.String(length=100), nullable=False),
        sa.Column("brand_key", sa.String(length=100), nullable=False),
        sa.Column("quantity", sa.String(length=50), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("opened_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("expected", sa.String(length=10), nullable=True),
        sa.Column("reason", sa.String(length=16), nullable=True),
        sa.Column("answered_by", sa.String(length=64), nullable=True),
        sa.Column("answered_at", storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("outcome_at", storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("supply_requests", schema=None) as batch_op:
        batch_op.create_index("ix_supply_requests_opened_at", ["opened_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_supply_requests_ticket_id"), ["ticket_id"], unique=False
        )

    # Plain ADD COLUMN: SQLite takes it in place, where a batch copy would leave free pages.
    op.add_column(
        "retailers",
        sa.Column("lang_chosen", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.add_column("retailers", sa.Column("awaiting", sa.String(length=32), nullable=True))
    op.add_column(
        "retailers",
        sa.Column("awaiting_until", storage.types.UtcDateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("retailers", schema=None) as batch_op:
        batch_op.drop_column("awaiting_until")
        batch_op.drop_column("awaiting")
        batch_op.drop_column("lang_chosen")

    with op.batch_alter_table("supply_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_supply_requests_ticket_id"))
        batch_op.drop_index("ix_supply_requests_opened_at")

    op.drop_table("supply_requests")
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.drop_index("ix_ratings_rated_at")
        batch_op.drop_index("ix_ratings_due_at")

    op.drop_table("ratings")
    with op.batch_alter_table("complaint_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaint_messages_complaint_id"))

    op.drop_table("complaint_messages")
    op.drop_table("staff_langs")
    with op.batch_alter_table("guide_drafts", schema=None) as batch_op:
        batch_op.drop_index("ix_guide_drafts_state")

    op.drop_table("guide_drafts")
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.drop_index("ix_complaints_retailer_closed")
        batch_op.drop_index("ix_complaints_opened_at")
        batch_op.drop_index("ix_complaints_next_due_at")

    op.drop_table("complaints")
