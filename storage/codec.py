"""Translate desk objects to rows and back."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from sqlalchemy import Row

from desk.content import Content, ContentKind
from desk.notices import Attachment, Button, Notice, NoticeKind
from desk.people import Address, Retailer
from desk.policy import Policy
from desk.tickets import Ticket, TicketStatus

TICKET_STATE = (
    "waiting_since",
    "reassigned_at",
    "round",
    "last_step",
    "last_fired_at",
    "next_due_at",
    "eta_until",
    "hurry_at",
    "first_response_at",
    "acknowledged_at",
    "resolved_at",
)


def ticket_from_row(row: Row[Any]) -> Ticket:
    """Rebuild a ticket from its row."""
    m = row._mapping
    return Ticket(
        id=m["id"],
        retailer_id=m["retailer_id"],
        manager_id=m["manager_id"],
        home_manager_id=m["home_manager_id"],
        opened_at=m["opened_at"],
        policy=policy_from_text(m["policy"]),
        off_hours=bool(m["off_hours"]),
        status=TicketStatus(m["status"]),
        **{name: m[name] for name in TICKET_STATE},
    )


@lru_cache(maxsize=64)
def policy_from_text(stored: str) -> Policy:
    """Rebuild a stored policy snapshot; a few distinct snapshots serve every ticket."""
    return Policy.from_snapshot(json.loads(stored))


@lru_cache(maxsize=64)
def policy_text(policy: Policy) -> str:
    """Return the snapshot a ticket stores of its policy."""
    return json.dumps(policy.snapshot())


def ticket_state(ticket: Ticket) -> dict[str, Any]:
    """Return the columns a ticket's state change writes."""
    return {"status": ticket.status.value, **{name: getattr(ticket, name) for name in TICKET_STATE}}


def retailer_from_row(row: Row[Any], contacts: tuple[Address, ...] = ()) -> Retailer:
    """Rebuild a retailer from its row and its contacts, most recently linked first."""
    m = row._mapping
    return Retailer(
        id=m["id"],
        name=m["name"],
        shop=m["shop"],
        phone=m["phone"],
        manager_id=m["manager_id"],
        contacts=contacts,
        lang=m["lang"],
        lang_chosen=bool(m["lang_chosen"]),
        awaiting=m["awaiting"],
        awaiting_until=m["awaiting_until"],
    )


def content_values(content: Content) -> dict[str, Any]:
    """Return the columns (or JSON keys) that keep a message's content and its original."""
    origin = content.origin
    return {
        "kind": content.kind.value,
        "text": content.text,
        "channel": origin.channel if origin else None,
        "chat_id": origin.chat if origin else None,
        "message_id": content.message,
        "file_ref": content.file,
        "size": content.size,
    }


def content_from(m: Mapping[Any, Any]) -> Content:
    """Rebuild message content from its columns, or from JSON an earlier release wrote."""
    chat = m.get("chat_id")
    # Rows and JSON from before channels were named are Telegram's, with numeric ids.
    channel = m.get("channel") or "telegram"
    message = m.get("message_id")
    return Content(
        ContentKind(m["kind"]),
        m["text"],
        Address(channel, str(chat)) if chat is not None else None,
        str(message) if message is not None else None,
        m.get("file_ref"),
        m.get("size"),
    )


def notice_body(notice: Notice) -> str:
    """Serialize what the outbox row needs beyond its indexed columns."""
    body: dict[str, Any] = {
        "params": notice.params,
        "buttons": [[b.label, b.data] for b in notice.buttons],
        "copy_of": content_values(notice.copy_of) if notice.copy_of else None,
    }
    if notice.attachment:
        body["attachment"] = {
            "filename": notice.attachment.filename,
            "data": base64.b64encode(notice.attachment.data).decode("ascii"),
            "as_photo": notice.attachment.as_photo,
        }
    return json.dumps(body, ensure_ascii=False)


def notice_from_row(row: Row[Any]) -> Notice:
    """Rebuild the notice an outbox row holds."""
    m = row._mapping
    body = json.loads(m["body"])
    stored_file = body.get("attachment")
    return Notice(
        to=m["recipient_id"],
        address=Address(m["channel"], m["chat_id"]),
        kind=NoticeKind(m["kind"]),
        lang=m["lang"],
        params=body["params"],
        ticket_id=m["ticket_id"],
        step=m["step"],
        copy_of=content_from(body["copy_of"]) if body.get("copy_of") else None,
        buttons=tuple(Button(label, data) for label, data in body["buttons"]),
        attachment=Attachment(
            stored_file["filename"], base64.b64decode(stored_file["data"]), stored_file["as_photo"]
        )
        if stored_file
        else None,
    )
