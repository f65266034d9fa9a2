"""Parse WeCom callback XML into typed messages, the inner part only after its signature holds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from xml.etree.ElementTree import Element
from xml.etree.ElementTree import ParseError as ExpatError

import defusedxml
import defusedxml.ElementTree

from handlers.wecom.crypto import CallbackCrypto, Sealed


class XmlParseError(ValueError):
    """Callback XML is malformed, declares entities or a DTD, or lacks a field we need."""


class UnknownShapeError(XmlParseError):
    """Well-formed callback XML of a MsgType or Event this module does not model."""


@dataclass(frozen=True)
class Envelope:
    """The outer POST body: who it is for and the ciphertext, readable before any check."""

    to_user_name: str
    encrypt: str
    agent_id: str | None


@dataclass(frozen=True)
class AppMessage:
    """What every message a member writes to the app carries (WeCom doc 96467)."""

    msg_id: str
    from_user: str
    to_user: str
    created: datetime
    agent_id: int


@dataclass(frozen=True)
class AppText(AppMessage):
    """A text a member wrote to the app."""

    content: str


@dataclass(frozen=True)
class AppImage(AppMessage):
    """A photo a member sent; media_id is valid for three days."""

    pic_url: str
    media_id: str


@dataclass(frozen=True)
class AppVoice(AppMessage):
    """A voice note a member sent."""

    media_id: str
    format: str


@dataclass(frozen=True)
class AppVideo(AppMessage):
    """A video a member sent."""

    media_id: str
    thumb_media_id: str


@dataclass(frozen=True)
class AppLocation(AppMessage):
    """A location a member shared."""

    latitude: float
    longitude: float
    scale: int
    label: str


@dataclass(frozen=True)
class KfNotice:
    """A kf_msg_or_event callback: new kf messages wait, to be pulled with this sync token."""

    to_user: str
    created: datetime
    token: str
    open_kfid: str


@dataclass(frozen=True)
class CardSelection:
    """The options a member ticked for one question of a template card."""

    question_key: str
    option_ids: tuple[str, ...]


@dataclass(frozen=True)
class CardPress:
    """A template_card_event: a member pressed a button of a card the app sent."""

    from_user: str
    to_user: str
    created: datetime
    agent_id: int
    event_key: str
    task_id: str
    card_type: str
    response_code: str
    selections: tuple[CardSelection, ...]


CallbackMessage = AppText | AppImage | AppVoice | AppVideo | AppLocation | KfNotice | CardPress


def _root(xml: bytes | str) -> Element:
    try:
        # WeCom never sends a DTD; one in a callback is an attack, not a message.
        root = defusedxml.ElementTree.fromstring(xml, forbid_dtd=True)
    except (ExpatError, defusedxml.DefusedXmlException) as error:
        raise XmlParseError(f"callback XML refused: {type(error).__name__}") from error
    if root.tag != "xml":
        raise XmlParseError(f"callback XML has root <{root.tag}>, not <xml>")
    return root


def _text(root: Element, tag: str) -> str:
    # Not stripped: a member's Content is theirs to the last space.
    found = root.find(tag)
    if found is None:
        raise XmlParseError(f"callback XML lacks <{tag}>")
    return found.text or ""


def _optional(root: Element, tag: str) -> str | None:
    found = root.find(tag)
    return None if found is None else found.text or ""


def _int(root: Element, tag: str) -> int:
    value = _text(root, tag).strip()
    try:
        return int(value)
    except ValueError as error:
        raise XmlParseError(f"<{tag}> is not a whole number") from error


def _float(root: Element, tag: str) -> float:
    try:
        return float(_text(root, tag).strip())
    except ValueError as error:
        raise XmlParseError(f"<{tag}> is not a number") from error


def _created(root: Element) -> datetime:
    try:
        return datetime.fromtimestamp(_int(root, "CreateTime"), UTC)
    except (OverflowError, OSError, ValueError) as error:
        raise XmlParseError("<CreateTime> is out of range") from error


def parse_envelope(body: bytes | str) -> Envelope:
    """Read the outer POST body (ToUserName, Encrypt, AgentID) without trusting it."""
    root = _root(body)
    encrypt = _text(root, "Encrypt").strip()
    if not encrypt:
        raise XmlParseError("<Encrypt> is empty")
    return Envelope(_text(root, "ToUserName"), encrypt, _optional(root, "AgentID") or None)


def _app_fields(root: Element) -> AppMessage:
    return AppMessage(
        msg_id=_text(root, "MsgId"),
        from_user=_text(root, "FromUserName"),
        to_user=_text(root, "ToUserName"),
        created=_created(root),
        agent_id=_int(root, "AgentID"),
    )


def _selections(root: Element) -> tuple[CardSelection, ...]:
    return tuple(
        CardSelection(
            question_key=_text(item, "QuestionKey"),
            option_ids=tuple(o.text or "" for o in item.iterfind("OptionIds/OptionId")),
        )
        for item in root.iterfind("SelectedItems/SelectedItem")
    )


def _event(root: Element) -> CallbackMessage:
    event = _text(root, "Event").strip()
    if event == "kf_msg_or_event":
        return KfNotice(
            to_user=_text(root, "ToUserName"),
            created=_created(root),
            token=_text(root, "Token"),
            open_kfid=_text(root, "OpenKfId"),
        )
    if event == "template_card_event":
        return CardPress(
            from_user=_text(root, "FromUserName"),
            to_user=_text(root, "ToUserName"),
            created=_created(root),
            agent_id=_int(root, "AgentID"),
            event_key=_text(root, "EventKey"),
            task_id=_text(root, "TaskId"),
            card_type=_optional(root, "CardType") or "",
            response_code=_optional(root, "ResponseCode") or "",
            selections=_selections(root),
        )
    raise UnknownShapeError(f"event {event[:40]!r} is not modelled")


def parse_message(xml: bytes | str) -> CallbackMessage:
    """Turn a decrypted callback message into its typed form."""
    root = _root(xml)
    kind = _text(root, "MsgType").strip()
    if kind == "event":
        return _event(root)
    if kind not in {"text", "image", "voice", "video", "location"}:
        raise UnknownShapeError(f"MsgType {kind[:40]!r} is not modelled")
    head = _app_fields(root)
    common = (head.msg_id, head.from_user, head.to_user, head.created, head.agent_id)
    if kind == "text":
        return AppText(*common, content=_text(root, "Content"))
    if kind == "image":
        return AppImage(*common, pic_url=_text(root, "PicUrl"), media_id=_text(root, "MediaId"))
    if kind == "voice":
        return AppVoice(*common, media_id=_text(root, "MediaId"), format=_text(root, "Format"))
    if kind == "video":
        return AppVideo(
            *common, media_id=_text(root, "MediaId"), thumb_media_id=_text(root, "ThumbMediaId")
        )
    return AppLocation(
        *common,
        latitude=_float(root, "Location_X"),
        longitude=_float(root, "Location_Y"),
        scale=_int(root, "Scale"),
        label=_text(root, "Label"),
    )


def open_callback(
    crypto: CallbackCrypto, body: bytes | str, msg_signature: str, timestamp: str, nonce: str
) -> CallbackMessage:
    """Verify and decrypt a POSTed callback, then parse what it carries."""
    envelope = parse_envelope(body)
    # crypto.open raises before a byte of the inner message reaches a parser.
    return parse_message(crypto.open(msg_signature, timestamp, nonce, envelope.encrypt))


def passive_reply(sealed: Sealed) -> bytes:
    """Return the body of an encrypted passive reply to a callback."""
    # Every value is base64, hex or digits, so none can break out of its CDATA.
    return (
        f"<xml><Encrypt><![CDATA[{sealed.encrypt}]]></Encrypt>"
        f"<MsgSignature><![CDATA[{sealed.msg_signature}]]></MsgSignature>"
        f"<TimeStamp>{sealed.timestamp}</TimeStamp>"
        f"<Nonce><![CDATA[{sealed.nonce}]]></Nonce></xml>"
    ).encode()
