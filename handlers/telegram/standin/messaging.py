"""Implement the Bot API methods that create, change or remove messages."""

from __future__ import annotations

import time

from handlers.telegram.standin.markup import render
from handlers.telegram.standin.records import (
    JSON,
    FileRecord,
    Upload,
    bad_request,
    describe,
    media_payload,
    utf16_len,
)
from handlers.telegram.standin.registry import (
    api_method,
    optional_int,
    optional_str,
    required,
    required_int,
    required_str,
)
from handlers.telegram.standin.world import World

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64
COPYABLE = (
    "text",
    "entities",
    "caption",
    "caption_entities",
    "photo",
    "document",
    "voice",
    "audio",
    "video",
    "sticker",
    "location",
    "contact",
    "animation",
    "video_note",
    "venue",
    "dice",
)
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


def _text(params: JSON, field: str, entities_field: str) -> tuple[str, list[JSON]]:
    raw = params.get(field)
    if raw is None:
        return "", []
    if not isinstance(raw, str):
        raise bad_request(f'field "{field}" must be of type String')
    return render(raw, params.get("parse_mode"), params.get(entities_field))


def _caption(params: JSON) -> JSON:
    caption, entities = _text(params, "caption", "caption_entities")
    if utf16_len(caption) > CAPTION_LIMIT:
        raise bad_request("message caption is too long")
    content: JSON = {"caption": caption} if caption else {}
    if caption and entities:
        content["caption_entities"] = entities
    return content


def _markup(params: JSON) -> tuple[JSON | None, JSON | None]:
    """Split reply_markup into the inline keyboard kept on the message and a chat keyboard."""
    markup = params.get("reply_markup")
    if markup is None:
        return None, None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in markup:
        if not {"keyboard", "remove_keyboard", "force_reply"} & markup.keys():
            raise bad_request("can't parse reply keyboard markup JSON object")
        return None, markup
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            "can't parse inline keyboard button: InlineKeyboardButton must be an Object"
        )
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not button.get("text"):
                raise bad_request("can't parse inline keyboard button: Text must be non-empty")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= CALLBACK_DATA_LIMIT:
                raise bad_request("BUTTON_DATA_INVALID")
    return {"inline_keyboard": rows}, None


def _reply_target(world: World, chat_id: int, params: JSON) -> JSON | None:
    reply = params.get("reply_parameters")
    message_id = params.get("reply_to_message_id")
    allow_missing = params.get("allow_sending_without_reply") is True
    target_chat = chat_id
    if isinstance(reply, dict):
        message_id = reply.get("message_id")
        allow_missing = reply.get("allow_sending_without_reply", allow_missing) is True
        if reply.get("chat_id") is not None:
            target_chat = world.resolve_chat_id(reply["chat_id"])
    if message_id is None:
        return None
    if not isinstance(message_id, int):
        raise bad_request("message to be replied not found")
    target = world.message(target_chat, message_id)
    if target is None and not allow_missing:
        raise bad_request("message to be replied not found")
    return target


def _deliver(world: World, chat: JSON, content: JSON, params: JSON) -> JSON:
    """Validate the shared send options, then post the bot's message."""
    inline, keyboard = _markup(params)
    reply = _reply_target(world, chat["id"], params)
    if inline is not None:
        content["reply_markup"] = inline
    message = world.post(chat, None, content, reply)
    if keyboard is not None:
        # Reply keyboards are not part of the Message object; they belong to the chat.
        if keyboard.get("keyboard"):
            world.keyboards[chat["id"]] = keyboard
        elif keyboard.get("remove_keyboard"):
            world.keyboards.pop(chat["id"], None)
    world.note(f"→ chat {chat['id']} ({world.label(chat['id'])}): {describe(message)}")
    return message


@api_method("sendMessage")
def send_message(world: World, params: JSON) -> JSON:
    """Send a text message."""
    chat = world.writable_chat(required(params, "chat_id"))
    required_str(params, "text", "message text is empty")
    text, entities = _text(params, "text", "entities")
    if not text.strip():
        raise bad_request("message text is empty")
    if utf16_len(text) > TEXT_LIMIT:
        raise bad_request("message is too long")
    content: JSON = {"text": text}
    if entities:
        content["entities"] = entities
    return _deliver(world, chat, content, params)


def _file(world: World, params: JSON, kind: str) -> FileRecord:
    value = params.get(kind)
    if isinstance(value, Upload):
        return world.add_file(
            kind, value.size, file_name=value.file_name, mime_type=value.mime_type, data=value.data
        )
    if isinstance(value, str) and value:
        if value in world.files:
            return world.files[value]
        if value.startswith(("http://", "https://")):
            name = value.rstrip("/").rpartition("/")[2] or None
            return world.add_file(kind, 1024, file_name=name)
        raise bad_request("wrong file identifier/HTTP URL specified")
    raise bad_request(f"there is no {kind} in the request")


def _send_media(world: World, params: JSON, kind: str) -> JSON:
    chat = world.writable_chat(required(params, "chat_id"))
    content = _caption(params) if kind != "sticker" else {}
    _markup(params)
    _reply_target(world, chat["id"], params)
    record = _file(world, params, kind)
    duration = params.get("duration")
    payload = media_payload(
        kind,
        record,
        duration=duration if isinstance(duration, int) else None,
        emoji=optional_str(params, "emoji"),
    )
    return _deliver(world, chat, {**payload, **content}, params)


@api_method("sendPhoto")
def send_photo(world: World, params: JSON) -> JSON:
    """Send a photo."""
    return _send_media(world, params, "photo")


@api_method("sendDocument")
def send_document(world: World, params: JSON) -> JSON:
    """Send a document."""
    return _send_media(world, params, "document")


@api_method("sendVoice")
def send_voice(world: World, params: JSON) -> JSON:
    """Send a voice note."""
    return _send_media(world, params, "voice")


@api_method("sendAudio")
def send_audio(world: World, params: JSON) -> JSON:
    """Send an audio file."""
    return _send_media(world, params, "audio")


@api_method("sendVideo")
def send_video(world: World, params: JSON) -> JSON:
    """Send a video."""
    return _send_media(world, params, "video")


@api_method("sendSticker")
def send_sticker(world: World, params: JSON) -> JSON:
    """Send a sticker."""
    return _send_media(world, params, "sticker")


@api_method("sendLocation")
def send_location(world: World, params: JSON) -> JSON:
    """Send a map point."""
    chat = world.writable_chat(required(params, "chat_id"))
    location: JSON = {}
    for name in ("latitude", "longitude"):
        value = required(params, name)
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise bad_request(f'field "{name}" must be of type Number')
        location[name] = float(value)
    return _deliver(world, chat, {"location": location}, params)


@api_method("sendContact")
def send_contact(world: World, params: JSON) -> JSON:
    """Send a phone contact."""
    chat = world.writable_chat(required(params, "chat_id"))
    contact: JSON = {
        "phone_number": required_str(params, "phone_number"),
        "first_name": required_str(params, "first_name"),
    }
    if params.get("last_name"):
        contact["last_name"] = optional_str(params, "last_name")
    return _deliver(world, chat, {"contact": contact}, params)


def _source(world: World, params: JSON, missing: str) -> JSON:
    from_chat = world.resolve_chat_id(required(params, "from_chat_id"))
    source = world.message(from_chat, required_int(params, "message_id"))
    if source is None:
        raise bad_request(missing)
    return source


@api_method("copyMessage")
def copy_message(world: World, params: JSON) -> JSON:
    """Copy a message's content into a chat without a link to the original."""
    chat = world.writable_chat(required(params, "chat_id"))
    source = _source(world, params, "message to copy not found")
    content = {key: source[key] for key in COPYABLE if key in source}
    if not content:
        raise bad_request("message can't be copied")
    if "caption" in params and "text" not in content:
        content.pop("caption", None)
        content.pop("caption_entities", None)
        content.update(_caption(params))
    message = _deliver(world, chat, content, params)
    return {"message_id": message["message_id"]}


@api_method("forwardMessage")
def forward_message(world: World, params: JSON) -> JSON:
    """Forward a message, keeping a reference to who sent it first."""
    chat = world.writable_chat(required(params, "chat_id"))
    source = _source(world, params, "message to forward not found")
    content = {key: source[key] for key in COPYABLE if key in source}
    origin: JSON = source.get("forward_origin") or (
        {"type": "user", "date": source["date"], "sender_user": source["from"]}
        if "from" in source
        else {
            "type": "channel",
            "date": source["date"],
            "chat": source["chat"],
            "message_id": source["message_id"],
        }
    )
    return _deliver(world, chat, {"forward_origin": origin, **content}, params)


def _editable(world: World, params: JSON) -> JSON:
    if params.get("inline_message_id") is not None:
        raise bad_request("MESSAGE_ID_INVALID")
    chat_id = world.resolve_chat_id(required(params, "chat_id"))
    message = world.message(chat_id, required_int(params, "message_id"))
    if message is None:
        raise bad_request("message to edit not found")
    if not world.is_bot_message(message):
        raise bad_request("message can't be edited")
    return message


def _apply_edit(world: World, message: JSON, changes: JSON, inline: JSON | None) -> JSON:
    unchanged = all(message.get(k) == v for k, v in changes.items() if v is not None)
    unchanged = unchanged and not any(k in message for k, v in changes.items() if v is None)
    if unchanged and message.get("reply_markup") == inline:
        raise bad_request(NOT_MODIFIED)
    for key, value in changes.items():
        if value is None:
            message.pop(key, None)
        else:
            message[key] = value
    if inline is None:
        message.pop("reply_markup", None)
    else:
        message["reply_markup"] = inline
    message["edit_date"] = int(time.time())
    chat_id = message["chat"]["id"]
    label = world.label(chat_id)
    world.note(f"✎ chat {chat_id} ({label}) #{message['message_id']}: {describe(message)}")
    return message


@api_method("editMessageText")
def edit_message_text(world: World, params: JSON) -> JSON:
    """Replace the text of one of the bot's messages."""
    message = _editable(world, params)
    required_str(params, "text", "text must be non-empty")
    text, entities = _text(params, "text", "entities")
    if not text.strip():
        raise bad_request("text must be non-empty")
    if utf16_len(text) > TEXT_LIMIT:
        raise bad_request("MESSAGE_TOO_LONG")
    if "text" not in message:
        raise bad_request("there is no text in the message to edit")
    inline, _ = _markup(params)
    return _apply_edit(world, message, {"text": text, "entities": entities or None}, inline)


@api_method("editMessageCaption")
def edit_message_caption(world: World, params: JSON) -> JSON:
    """Replace the caption of one of the bot's media messages."""
    message = _editable(world, params)
    if "text" in message:
        raise bad_request("there is no caption in the message to edit")
    caption = _caption(params)
    inline, _ = _markup(params)
    changes = {
        "caption": caption.get("caption"),
        "caption_entities": caption.get("caption_entities"),
    }
    return _apply_edit(world, message, changes, inline)


@api_method("editMessageReplyMarkup")
def edit_message_reply_markup(world: World, params: JSON) -> JSON:
    """Replace or remove the inline keyboard of one of the bot's messages."""
    message = _editable(world, params)
    inline, _ = _markup(params)
    return _apply_edit(world, message, {}, inline)


@api_method("deleteMessage")
def delete_message(world: World, params: JSON) -> bool:
    """Delete a message from a chat."""
    chat_id = world.resolve_chat_id(required(params, "chat_id"))
    message_id = required_int(params, "message_id")
    message = world.message(chat_id, message_id)
    if message is None:
        raise bad_request("message to delete not found")
    chat = message["chat"]
    if chat["type"] != "private" and not world.is_bot_message(message):
        raise bad_request("message can't be deleted")
    world.remove(chat_id, message_id)
    world.note(f"✗ chat {chat_id} ({world.label(chat_id)}) #{message_id} deleted")
    return True


@api_method("sendChatAction")
def send_chat_action(world: World, params: JSON) -> bool:
    """Show a chat action such as typing."""
    world.writable_chat(required(params, "chat_id"))
    action = required_str(params, "action", "action is empty")
    allowed = {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
    if action not in allowed:
        raise bad_request("wrong parameter action in request")
    optional_int(params, "message_thread_id", 0)
    return True
