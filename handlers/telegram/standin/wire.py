"""Read Bot API parameters from any encoding Telegram accepts and coerce them to JSON types."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request

from handlers.telegram.standin.records import JSON, Upload, bad_request

# Form and multipart bodies carry everything as text; these names hold numbers, flags or JSON.
INT_FIELDS = frozenset(
    {
        "chat_id",
        "from_chat_id",
        "message_id",
        "offset",
        "limit",
        "timeout",
        "user_id",
        "reply_to_message_id",
        "message_thread_id",
        "max_connections",
        "cache_time",
        "duration",
        "width",
        "height",
        "live_period",
        "heading",
        "proximity_alert_radius",
        "until_date",
    }
)
FLOAT_FIELDS = frozenset({"latitude", "longitude", "horizontal_accuracy"})
BOOL_FIELDS = frozenset(
    {
        "disable_notification",
        "protect_content",
        "drop_pending_updates",
        "show_alert",
        "disable_web_page_preview",
        "allow_sending_without_reply",
        "disable_content_type_detection",
        "has_spoiler",
        "show_caption_above_media",
        "allow_paid_broadcast",
    }
)
JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "allowed_updates",
        "entities",
        "caption_entities",
        "commands",
        "scope",
        "reply_parameters",
        "link_preview_options",
        "media",
        "message_ids",
        "menu_button",
    }
)
_INT = re.compile(r"-?\d+")
_DISPOSITION_PARAM = re.compile(r';\s*([\w*-]+)="((?:[^"\\]|\\.)*)"|;\s*([\w*-]+)=([^;]*)')


def coerce(raw: dict[str, Any]) -> JSON:
    """Convert text values to the types Telegram documents for each known parameter."""
    params: JSON = {}
    for name, value in raw.items():
        if isinstance(value, str):
            if name in JSON_FIELDS:
                try:
                    value = json.loads(value)
                except ValueError:
                    raise bad_request(f"can't parse {name} JSON object") from None
            elif name in INT_FIELDS and _INT.fullmatch(value):
                value = int(value)
            elif name in FLOAT_FIELDS:
                try:
                    value = float(value)
                except ValueError:
                    raise bad_request(f'field "{name}" must be of type Number') from None
            elif name in BOOL_FIELDS:
                value = value.lower() in ("true", "1")
        params[name] = value
    return params


async def read_params(request: Request) -> JSON:
    """Merge query-string and body parameters of a Bot API request."""
    raw: dict[str, Any] = dict(request.query_params)
    body = await request.body()
    content_type = request.headers.get("content-type", "")
    mime = content_type.partition(";")[0].strip().lower()
    if body:
        if mime == "application/json":
            try:
                data = json.loads(body)
            except ValueError:
                raise bad_request("can't parse JSON object") from None
            if not isinstance(data, dict):
                raise bad_request("JSON object expected")
            raw.update(data)
        elif mime == "application/x-www-form-urlencoded":
            raw.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        elif mime == "multipart/form-data":
            raw.update(parse_multipart(body, content_type))
    return coerce(raw)


def parse_multipart(body: bytes, content_type: str) -> dict[str, str | Upload]:
    """Split a multipart/form-data body into text fields and uploads."""
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if match is None:
        raise bad_request("multipart boundary is missing")
    delimiter = b"\r\n--" + match.group(1).encode()
    fields: dict[str, str | Upload] = {}
    for chunk in (b"\r\n" + body).split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break
        head, sep, content = chunk.partition(b"\r\n\r\n")
        if not sep:
            continue
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            key, colon, value = line.partition(":")
            if colon:
                headers[key.strip().lower()] = value.strip()
        disposition = _disposition(headers.get("content-disposition", ""))
        name = disposition.get("name")
        if name is None:
            continue
        if "filename" in disposition:
            mime = headers.get("content-type", "application/octet-stream")
            fields[name] = Upload(disposition["filename"], mime, content)
        else:
            fields[name] = content.decode("utf-8", "replace")
    return fields


def _disposition(value: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for match in _DISPOSITION_PARAM.finditer(value):
        if match.group(1):
            # httpx and browsers escape quotes in names as %22 (the HTML5 form encoding).
            params[match.group(1).lower()] = (
                match.group(2).replace("%22", '"').replace("\\\\", "\\")
            )
        else:
            params[match.group(3).lower()] = match.group(4).strip()
    return params
