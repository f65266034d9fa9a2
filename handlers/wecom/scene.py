"""A retailer's personal kf link names them in its scene_param, signed so it cannot be forged."""

from __future__ import annotations

import base64
import hashlib
import hmac

# WeCom gives a scene_param back as it was put in the link; it allows 128 bytes of
# [0-9a-zA-Z_-]. A retailer id and a 16-byte signature fit with room to spare. Both parts are
# URL-safe base64, which uses "-" and "_" itself: the signature is told apart by its length.
MAX_SCENE_PARAM = 128
SIGNATURE_BYTES = 16
SIGNATURE_CHARS = 22


def _signature(secret: str, retailer_id: str) -> str:
    digest = hmac.new(secret.encode(), retailer_id.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:SIGNATURE_BYTES]).decode().rstrip("=")


def _encoded(retailer_id: str) -> str:
    return base64.urlsafe_b64encode(retailer_id.encode()).decode().rstrip("=")


def sign(secret: str, retailer_id: str) -> str:
    """Return the scene_param naming a retailer: their id and its signature, URL-safe."""
    scene = _encoded(retailer_id) + _signature(secret, retailer_id)
    if len(scene) > MAX_SCENE_PARAM:
        raise ValueError(f"retailer id {retailer_id!r} is too long for a kf link")
    return scene


def verify(secret: str, scene: str | None) -> str | None:
    """Return the retailer a scene_param names, or None when it is missing, forged or garbled."""
    if not scene or not SIGNATURE_CHARS < len(scene) <= MAX_SCENE_PARAM:
        return None
    encoded, signature = scene[:-SIGNATURE_CHARS], scene[-SIGNATURE_CHARS:]
    try:
        retailer_id = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    if not hmac.compare_digest(signature, _signature(secret, retailer_id)):
        return None
    return retailer_id
