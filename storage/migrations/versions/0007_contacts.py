"""Contacts: where each retailer is reached, on any channel, with chat and message ids as text

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 18:00:00

Until now a retailer had one Telegram chat (`retailers.telegram_id`) and every chat and message
id was a number, as Telegram's are. WeCom's ids are names, so ids become text, and a retailer's
chats move to `contacts`, one per channel: every linked Telegram chat becomes a contact on the
channel "telegram", linked when the retailer row last changed. Stored messages, held messages
and outbox rows keep their ids as the same digits in text, so a reply to a message the bot sent
before the upgrade still finds its ticket, and pending outbox rows go out to the same chats.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.String(length=128)
# Tables holding one message each, with where its original is kept.
SAID = ("messages", "complaint_messages", "held_messages")


def _as_text(batch: object, column: str, *, nullable: bool) -> None:
    """Recast a numeric id column as text, keeping its digits."""
    batch.alter_column(  # type: ignore[attr-defined]
        column,
        existing_type=sa.BigInteger(),
        type_=ID,
        existing_nullable=nullable,
        postgresql_using=f"{column}::text",
    )


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "contacts",
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("chat", ID, nullable=False),
        sa.Column("retailer_id", sa.String(length=64), nullable=False),
        sa.Column("linked_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["retailer_id"], ["retailers.id"]),
        sa.PrimaryKeyConstraint("channel", "chat"),
        sa.UniqueConstraint("retailer_id", "channel", name="uq_contacts_retailer_channel"),
    )
    op.execute(
        "INSERT INTO contacts (channel, chat, retailer_id, linked_at) "
        "SELECT 'telegram', CAST(telegram_id AS VARCHAR(128)), id, updated_at "
        "FROM retailers WHERE telegram_id IS NOT NULL"
    )
    with op.batch_alter_table("retailers") as batch:
        batch.drop_column("telegram_id")

    for table in SAID:
        with op.batch_alter_table(table) as batch:
            _as_text(batch, "chat_id", nullable=True)
            _as_text(batch, "message_id", nullable=True)
            batch.add_column(sa.Column("channel", sa.String(length=16), nullable=True))
            batch.add_column(sa.Column("file_ref", sa.String(length=512), nullable=True))
            batch.add_column(sa.Column("size", sa.Integer(), nullable=True))
        op.execute(f"UPDATE {table} SET channel = 'telegram' WHERE chat_id IS NOT NULL")

    with op.batch_alter_table("inbox") as batch:
        _as_text(batch, "chat_id", nullable=True)

    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_chat_message")
        _as_text(batch, "chat_id", nullable=False)
        _as_text(batch, "message_id", nullable=True)
        batch.create_index("ix_outbox_chat_message", ["channel", "chat_id", "message_id"])

    with op.batch_alter_table("guide_drafts") as batch:
        batch.drop_constraint("uq_guide_drafts_message", type_="unique")
        _as_text(batch, "chat_id", nullable=False)
        _as_text(batch, "message_id", nullable=False)
        # Every draft so far was made in Telegram; the default fills them, then goes.
        batch.add_column(
            sa.Column("channel", sa.String(length=16), nullable=False, server_default="telegram")
        )
    with op.batch_alter_table("guide_drafts") as batch:
        batch.alter_column("channel", existing_type=sa.String(length=16), server_default=None)
        batch.create_unique_constraint(
            "uq_guide_drafts_message", ["channel", "chat_id", "message_id"]
        )


def downgrade() -> None:
    """Revert this revision; chats on channels other than Telegram are dropped."""
    with op.batch_alter_table("guide_drafts") as batch:
        batch.drop_constraint("uq_guide_drafts_message", type_="unique")
        batch.drop_column("channel")
    with op.batch_alter_table("guide_drafts") as batch:
        for column in ("chat_id", "message_id"):
            batch.alter_column(
                column,
                existing_type=ID,
                type_=sa.BigInteger(),
                existing_nullable=False,
                postgresql_using=f"{column}::bigint",
            )
        batch.create_unique_constraint("uq_guide_drafts_message", ["chat_id", "message_id"])

    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_chat_message")
        for column, nullable in (("chat_id", False), ("message_id", True)):
            batch.alter_column(
                column,
                existing_type=ID,
                type_=sa.BigInteger(),
                existing_nullable=nullable,
                postgresql_using=f"{column}::bigint",
            )
        batch.create_index("ix_outbox_chat_message", ["chat_id", "message_id"])

    with op.batch_alter_table("inbox") as batch:
        batch.alter_column(
            "chat_id",
            existing_type=ID,
            type_=sa.BigInteger(),
            existing_nullable=True,
            postgresql_using="chat_id::bigint",
        )

    for table in SAID:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("size")
            batch.drop_column("file_ref")
            batch.drop_column("channel")
            for column in ("chat_id", "message_id"):
                batch.alter_column(
                    column,
                    existing_type=ID,
                    type_=sa.BigInteger(),
                    existing_nullable=True,
                    postgresql_using=f"{column}::bigint",
                )

    with op.batch_alter_table("retailers") as batch:
        batch.add_column(sa.Column("telegram_id", sa.BigInteger(), nullable=True))
    op.execute(
        "UPDATE retailers SET telegram_id = (SELECT CAST(chat AS BIGINT) FROM contacts "
        "WHERE contacts.retailer_id = retailers.id AND contacts.channel = 'telegram')"
    )
    with op.batch_alter_table("retailers") as batch:
        batch.create_unique_constraint("retailers_telegram_id_key", ["telegram_id"])
    op.drop_table("contacts")
