"""Inbox update ids for WeCom's messages: stable 63-bit numbers, so a message seen twice is one."""

from __future__ import annotations

import hashlib

# Positive signed 64-bit: what the inbox's update_id column holds on every database.
_BITS = 63


def _hashed(*parts: str) -> int:
    # A digest, not hash(): the id must be the same in every process and after every restart.
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> (64 - _BITS)


def kf_message(msgid: str) -> int:
    """Return the update id of a synced kf item: a re-synced item gets the same one."""
    return _hashed("kf", msgid)


def app_message(msg_id: str) -> int:
    """Return the update id of a member's message to the app: its MsgId, when it fits."""
    if msg_id.isdigit() and 0 < int(msg_id) < 2**_BITS:
        return int(msg_id)
    return _hashed("app", msg_id)


def event(from_user: str, create_time: int, name: str, *extra: str) -> int:
    """Return the update id of an event without MsgId: WeCom's own rule, sender, time, event."""
    return _hashed("event", from_user, str(create_time), name, *extra)
