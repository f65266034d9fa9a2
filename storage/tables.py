"""The schema, in SQLAlchemy Core; Alembic migrations create and upgrade it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

from storage.types import UtcDateTime

metadata = MetaData()


def said_columns() -> list[Column[Any]]:
    """Return fresh columns for one message of a conversation (tickets and complaints alike)."""
    return [
        Column("author_id", String(64), nullable=False),
        Column("from_retailer", Boolean, nullable=False),
        Column("kind", String(16), nullable=False),
        Column("text", Text, nullable=False),
        *content_columns(),
        Column("at", UtcDateTime, nullable=False),
    ]


def content_columns() -> list[Column[Any]]:
    """Return fresh columns for where a message's original is kept on its channel."""
    return [
        Column("channel", String(16)),
        Column("chat_id", String(128)),
        Column("message_id", String(128)),
        Column("file_ref", String(512)),
        Column("size", Integer),
    ]


retailers = Table(
    "retailers",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("shop", String(200), nullable=False),
    Column("phone", String(32), nullable=False, index=True),
    Column("manager_id", String(64), nullable=False, index=True),
    Column("lang", String(8), nullable=False, server_default="zh"),
    Column("updated_at", UtcDateTime, nullable=False),
    # Picked with /lang (true), or following the chat app's language (false).
    Column("lang_chosen", Boolean, nullable=False, server_default=false()),
    # What the retailer's next message is taken as (a complaint, an order), until when.
    Column("awaiting", String(32)),
    Column("awaiting_until", UtcDateTime),
)

# Where each retailer is reached: one chat per channel, and one retailer per chat. Staff
# contacts come from the config (the team), not from here.
contacts = Table(
    "contacts",
    metadata,
    Column("channel", String(16), primary_key=True),
    Column("chat", String(128), primary_key=True),
    Column("retailer_id", String(64), ForeignKey("retailers.id"), nullable=False),
    Column("linked_at", UtcDateTime, nullable=False),
    UniqueConstraint("retailer_id", "channel", name="uq_contacts_retailer_channel"),
)

inbox = Table(
    "inbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("channel", String(16), nullable=False),
    Column("update_id", BigInteger, nullable=False),
    Column("chat_id", String(128)),
    Column("payload", Text, nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    Column("state", String(8), nullable=False, server_default="new"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("error", Text),
    # Set while a worker handles the update (PostgreSQL); a lapsed lease frees it for another.
    Column("lease_until", UtcDateTime),
    UniqueConstraint("channel", "update_id", name="uq_inbox_channel_update"),
    Index("ix_inbox_state_id", "state", "id"),
)

tickets = Table(
    "tickets",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("retailer_id", String(64), nullable=False),
    Column("manager_id", String(64), nullable=False),
    Column("home_manager_id", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("opened_at", UtcDateTime, nullable=False),
    Column("policy", Text, nullable=False),
    Column("off_hours", Boolean, nullable=False),
    Column("waiting_since", UtcDateTime),
    Column("reassigned_at", UtcDateTime),
    Column("round", Integer, nullable=False),
    Column("last_step", Integer, nullable=False),
    Column("last_fired_at", UtcDateTime),
    Column("next_due_at", UtcDateTime),
    Column("eta_until", UtcDateTime),
    Column("hurry_at", UtcDateTime),
    Column("first_response_at", UtcDateTime),
    Column("acknowledged_at", UtcDateTime),
    Column("resolved_at", UtcDateTime),
    Index("ix_tickets_next_due_at", "next_due_at"),
    Index("ix_tickets_retailer_status", "retailer_id", "status"),
    Index("ix_tickets_manager_status", "manager_id", "status"),
    Index("ix_tickets_opened_at", "opened_at"),
    Index("ix_tickets_manager_opened", "manager_id", "opened_at"),
)

messages = Table(
    "messages",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ticket_id", Integer, ForeignKey("tickets.id"), nullable=False, index=True),
    *said_columns(),
)

events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ticket_id", Integer, ForeignKey("tickets.id"), nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("actor", String(64)),
    Column("target", String(64)),
    Column("step", Integer),
    Column("seconds", Float),
    Column("round", Integer),
    Column("delivered", Boolean),
    Column("detail", Text, nullable=False, server_default="{}"),
    Index("ix_events_kind_at", "kind", "at"),
    # Covers the reports' join from a week's tickets to their events without touching rows.
    Index(
        "ix_events_ticket_figures", "ticket_id", "kind", "at", "round", "seconds", "step", "actor"
    ),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("recipient_id", String(64), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("chat_id", String(128), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("lang", String(8), nullable=False),
    Column("ticket_id", Integer, index=True),
    Column("step", Integer),
    Column("body", Text, nullable=False),
    Column("state", String(8), nullable=False, server_default="pending"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("not_before", UtcDateTime, nullable=False),
    Column("lease_until", UtcDateTime),
    Column("created_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime),
    Column("message_id", String(128)),
    Column("error", Text),
    Index("ix_outbox_state_not_before", "state", "not_before"),
    Index("ix_outbox_chat_message", "channel", "chat_id", "message_id"),
)

leaves = Table(
    "leaves",
    metadata,
    Column("manager_id", String(64), primary_key=True),
    Column("covering_id", String(64), nullable=False),
    Column("until", UtcDateTime, nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
)

reports_sent = Table(
    "reports_sent",
    metadata,
    Column("week", String(10), nullable=False),
    Column("supervisor_id", String(64), nullable=False),
    Column("sent_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("week", "supervisor_id", name="pk_reports_sent"),
)

ratings = Table(
    "ratings",
    metadata,
    Column("ticket_id", Integer, ForeignKey("tickets.id"), primary_key=True),
    Column("retailer_id", String(64), nullable=False),
    Column("manager_id", String(64), nullable=False),
    # When to ask, while not asked yet; the escalation alarm wakes for it.
    Column("due_at", UtcDateTime),
    Column("asked_at", UtcDateTime),
    Column("score", Integer),
    Column("comment", Text),
    Column("rated_at", UtcDateTime),
    Index("ix_ratings_due_at", "due_at"),
    Index("ix_ratings_rated_at", "rated_at"),
    # The console's few managers' ratings of a week, without the rest of the desk's.
    Index("ix_ratings_manager_rated", "manager_id", "rated_at"),
)

# Complaints live apart from tickets: no query of a manager's tickets or events can meet them.
complaints = Table(
    "complaints",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("retailer_id", String(64), nullable=False),
    Column("manager_id", String(64), nullable=False),
    Column("supervisor_id", String(64)),
    Column("opened_at", UtcDateTime, nullable=False),
    Column("policy", Text, nullable=False),
    Column("closed_at", UtcDateTime),
    Column("waiting_since", UtcDateTime),
    Column("last_step", Integer, nullable=False),
    Column("last_fired_at", UtcDateTime),
    Column("next_due_at", UtcDateTime),
    Column("first_response_at", UtcDateTime),
    Index("ix_complaints_next_due_at", "next_due_at"),
    Index("ix_complaints_retailer_closed", "retailer_id", "closed_at"),
    Index("ix_complaints_opened_at", "opened_at"),
    # The console finds a supervisor's complaints by this.
    Index("ix_complaints_supervisor_opened", "supervisor_id", "opened_at"),
)

complaint_messages = Table(
    "complaint_messages",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("complaint_id", Integer, ForeignKey("complaints.id"), nullable=False, index=True),
    *said_columns(),
)

# A retailer's messages kept back while they choose between the supervisor and the manager.
held_messages = Table(
    "held_messages",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("retailer_id", String(64), ForeignKey("retailers.id"), nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    Column("text", Text, nullable=False),
    *content_columns(),
    Column("at", UtcDateTime, nullable=False),
)

supply_requests = Table(
    "supply_requests",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ticket_id", Integer, ForeignKey("tickets.id"), nullable=False, index=True),
    Column("retailer_id", String(64), nullable=False),
    Column("manager_id", String(64), nullable=False),
    Column("brand", String(100), nullable=False),
    # Brands are counted by this form, so "Marlboro" and "marlboro " are one brand.
    Column("brand_key", String(100), nullable=False),
    Column("quantity", String(50), nullable=False),
    Column("note", Text, nullable=False),
    Column("opened_at", UtcDateTime, nullable=False),
    Column("outcome", String(16)),
    Column("expected", String(10)),
    Column("reason", String(16)),
    Column("answered_by", String(64)),
    Column("answered_at", UtcDateTime),
    Column("outcome_at", UtcDateTime),
    Index("ix_supply_requests_opened_at", "opened_at"),
    Index("ix_supply_requests_manager_opened", "manager_id", "opened_at"),
)

guide_drafts = Table(
    "guide_drafts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ticket_id", Integer, nullable=False),
    Column("author_id", String(64), nullable=False),
    Column("question", Text, nullable=False),
    Column("answer", Text, nullable=False),
    Column("lang", String(8), nullable=False),
    Column("state", String(16), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("channel", String(16), nullable=False),
    Column("chat_id", String(128), nullable=False),
    Column("message_id", String(128), nullable=False),
    Column("decided_by", String(64)),
    Column("decided_at", UtcDateTime),
    UniqueConstraint("channel", "chat_id", "message_id", name="uq_guide_drafts_message"),
    Index("ix_guide_drafts_state", "state"),
)

staff_langs = Table(
    "staff_langs",
    metadata,
    Column("staff_id", String(64), primary_key=True),
    Column("lang", String(8), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# 微信客服: where the last kf/sync_msg of each kf account stopped, so a restart goes on from there.
kf_cursors = Table(
    "kf_cursors",
    metadata,
    Column("open_kfid", String(64), primary_key=True),
    Column("cursor", String(128), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# 微信客服's reply window per customer: 48 hours and 5 messages from their last message.
kf_windows = Table(
    "kf_windows",
    metadata,
    Column("external_userid", String(128), primary_key=True),
    Column("open_kfid", String(64), nullable=False),
    Column("last_in_at", UtcDateTime, nullable=False),
    Column("sent", Integer, nullable=False, server_default="0"),
)

# What a staff member's next plain message in a chat without replies answers: the ticket they
# pressed "reply" on, or, held until they pick a ticket, a message that could answer several.
staff_replies = Table(
    "staff_replies",
    metadata,
    Column("staff_id", String(64), primary_key=True),
    Column("ticket_id", Integer),
    Column("kind", String(16)),
    Column("text", Text),
    *content_columns(),
    Column("at", UtcDateTime, nullable=False),
)

# The console's one-time links, sent by the bot: only the token's SHA-256 is kept, so a copy of
# the database opens no door.
console_logins = Table(
    "console_logins",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("staff_id", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("spent_at", UtcDateTime),
)

# Signed-in console browsers, kept here so that every worker knows them.
console_sessions = Table(
    "console_sessions",
    metadata,
    Column("session_hash", String(64), primary_key=True),
    Column("staff_id", String(64), nullable=False),
    # Put in every form of this session; a page of another site cannot read it.
    Column("csrf", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("ended_at", UtcDateTime),
)
