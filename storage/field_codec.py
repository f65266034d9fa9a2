"""Translate ratings, complaints, supply requests and guide drafts to rows and back."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import Row

from desk.complaints import Complaint, ComplaintMessage, ComplaintPolicy
from desk.content import HeldMessage
from desk.guide import DraftState, GuideDraft
from desk.ratings import Rating
from desk.supply import OrderLine, RefusalReason, SupplyOutcome, SupplyRequest, brand_key
from storage import codec

COMPLAINT_STATE = (
    "closed_at",
    "waiting_since",
    "last_step",
    "last_fired_at",
    "next_due_at",
    "first_response_at",
)


def rating_from_row(row: Row[Any]) -> Rating:
    """Rebuild a rating from its row."""
    m = row._mapping
    return Rating(
        ticket_id=m["ticket_id"],
        retailer_id=m["retailer_id"],
        manager_id=m["manager_id"],
        due_at=m["due_at"],
        asked_at=m["asked_at"],
        score=m["score"],
        comment=m["comment"],
        rated_at=m["rated_at"],
    )


def rating_row(rating: Rating) -> dict[str, Any]:
    """Return the columns of a rating."""
    return {
        "ticket_id": rating.ticket_id,
        "retailer_id": rating.retailer_id,
        "manager_id": rating.manager_id,
        "due_at": rating.due_at,
        "asked_at": rating.asked_at,
        "score": rating.score,
        "comment": rating.comment,
        "rated_at": rating.rated_at,
    }


def complaint_from_row(row: Row[Any]) -> Complaint:
    """Rebuild a complaint from its row."""
    m = row._mapping
    return Complaint(
        id=m["id"],
        retailer_id=m["retailer_id"],
        manager_id=m["manager_id"],
        supervisor_id=m["supervisor_id"],
        opened_at=m["opened_at"],
        policy=ComplaintPolicy.from_snapshot(json.loads(m["policy"])),
        **{name: m[name] for name in COMPLAINT_STATE},
    )


def complaint_row(complaint: Complaint) -> dict[str, Any]:
    """Return the columns of a new complaint."""
    return {
        "retailer_id": complaint.retailer_id,
        "manager_id": complaint.manager_id,
        "supervisor_id": complaint.supervisor_id,
        "opened_at": complaint.opened_at,
        "policy": json.dumps(complaint.policy.snapshot()),
        **complaint_state(complaint),
    }


def complaint_state(complaint: Complaint) -> dict[str, Any]:
    """Return the columns a complaint's state change writes."""
    return {name: getattr(complaint, name) for name in COMPLAINT_STATE}


def complaint_message_row(message: ComplaintMessage) -> dict[str, Any]:
    """Return the columns of one complaint message."""
    return {
        "complaint_id": message.complaint_id,
        "author_id": message.author_id,
        "from_retailer": message.from_retailer,
        **codec.content_values(message.content),
        "at": message.at,
    }


def complaint_message_from_row(row: Row[Any]) -> ComplaintMessage:
    """Rebuild a complaint message from its row."""
    m = row._mapping
    content = codec.content_from(m)
    return ComplaintMessage(
        m["complaint_id"], m["author_id"], bool(m["from_retailer"]), content, m["at"]
    )


def held_row(message: HeldMessage) -> dict[str, Any]:
    """Return the columns of one held message."""
    content = message.content
    return {
        "retailer_id": message.retailer_id,
        **codec.content_values(content),
        "at": message.at,
    }


def held_from_row(row: Row[Any]) -> HeldMessage:
    """Rebuild a held message from its row."""
    m = row._mapping
    content = codec.content_from(m)
    return HeldMessage(m["retailer_id"], content, m["at"])


def supply_from_row(row: Row[Any]) -> SupplyRequest:
    """Rebuild a supply request from its row."""
    m = row._mapping
    return SupplyRequest(
        id=m["id"],
        ticket_id=m["ticket_id"],
        retailer_id=m["retailer_id"],
        manager_id=m["manager_id"],
        line=OrderLine(m["brand"], m["quantity"], m["note"]),
        opened_at=m["opened_at"],
        outcome=SupplyOutcome(m["outcome"]) if m["outcome"] else None,
        expected=date.fromisoformat(m["expected"]) if m["expected"] else None,
        reason=RefusalReason(m["reason"]) if m["reason"] else None,
        answered_by=m["answered_by"],
        answered_at=m["answered_at"],
        outcome_at=m["outcome_at"],
    )


def supply_row(request: SupplyRequest) -> dict[str, Any]:
    """Return the columns of a new supply request."""
    return {
        "ticket_id": request.ticket_id,
        "retailer_id": request.retailer_id,
        "manager_id": request.manager_id,
        "brand": request.line.brand,
        "brand_key": brand_key(request.line.brand),
        "quantity": request.line.quantity,
        "note": request.line.note,
        "opened_at": request.opened_at,
        **supply_outcome(request),
    }


def supply_outcome(request: SupplyRequest) -> dict[str, Any]:
    """Return the columns an answer to a supply request writes."""
    return {
        "outcome": request.outcome.value if request.outcome else None,
        "expected": request.expected.isoformat() if request.expected else None,
        "reason": request.reason.value if request.reason else None,
        "answered_by": request.answered_by,
        "answered_at": request.answered_at,
        "outcome_at": request.outcome_at,
    }


def draft_from_row(row: Row[Any]) -> GuideDraft:
    """Rebuild a guide draft from its row."""
    m = row._mapping
    return GuideDraft(
        id=m["id"],
        ticket_id=m["ticket_id"],
        author_id=m["author_id"],
        question=m["question"],
        answer=m["answer"],
        lang=m["lang"],
        created_at=m["created_at"],
        channel=m["channel"],
        chat=m["chat_id"],
        message_id=m["message_id"],
        state=DraftState(m["state"]),
        decided_by=m["decided_by"],
        decided_at=m["decided_at"],
    )


def draft_row(draft: GuideDraft) -> dict[str, Any]:
    """Return the columns of a new guide draft."""
    return {
        "ticket_id": draft.ticket_id,
        "author_id": draft.author_id,
        "question": draft.question,
        "answer": draft.answer,
        "lang": draft.lang,
        "state": draft.state.value,
        "created_at": draft.created_at,
        "channel": draft.channel,
        "chat_id": draft.chat,
        "message_id": draft.message_id,
        "decided_by": draft.decided_by,
        "decided_at": draft.decided_at,
    }
