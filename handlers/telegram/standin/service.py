"""Implement the Bot API methods about the bot itself, updates, callbacks, chats and files."""

from __future__ import annotations

import json
import re

from handlers.telegram.standin.records import JSON, ApiError, bad_request
from handlers.telegram.standin.registry import (
    api_method,
    flag,
    optional_int,
    optional_str,
    required,
    required_str,
)
from handlers.telegram.standin.world import World

_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)


@api_method("getMe")
def get_me(world: World, params: JSON) -> JSON:
    """Describe the bot."""
    return {
        **world.bot_user,
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


@api_method("logOut")
def log_out(world: World, params: JSON) -> bool:
    """Accept a log out; nothing to release locally."""
    return True


@api_method("close")
def close(world: World, params: JSON) -> bool:
    """Accept a close; nothing to release locally."""
    return True


@api_method("getUpdates")
def get_updates(world: World, params: JSON) -> list[JSON]:
    """Confirm updates below offset and return what is pending now; the server long-polls."""
    if world.webhook.url:
        raise ApiError(409, WEBHOOK_CONFLICT)
    offset = params.get("offset")
    if offset is not None and (not isinstance(offset, int) or isinstance(offset, bool)):
        raise bad_request('field "offset" must be of type Integer')
    limit = min(max(optional_int(params, "limit", 100), 1), 100)
    optional_int(params, "timeout", 0)
    if params.get("allowed_updates") is not None:
        world.set_allowed_updates(params["allowed_updates"])
    if offset is not None:
        world.confirm(offset)
    return world.peek_updates(limit)


@api_method("setWebhook")
def set_webhook(world: World, params: JSON) -> bool:
    """Start pushing updates to a URL."""
    url = optional_str(params, "url") or ""
    if url and not url.startswith(("http://", "https://")):
        raise bad_request("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")
    secret = optional_str(params, "secret_token")
    if secret is not None and not _SECRET.fullmatch(secret):
        raise bad_request("secret token contains unallowed characters")
    max_connections = optional_int(params, "max_connections", 40)
    if params.get("allowed_updates") is not None:
        world.set_allowed_updates(params["allowed_updates"])
    if flag(params, "drop_pending_updates"):
        world.drop_updates()
    hook = world.webhook
    hook.url, hook.secret_token = url, secret
    hook.max_connections = min(max(max_connections, 1), 100)
    hook.last_error_date = hook.last_error_message = None
    return True


@api_method("deleteWebhook")
def delete_webhook(world: World, params: JSON) -> bool:
    """Stop pushing updates so getUpdates works again."""
    if flag(params, "drop_pending_updates"):
        world.drop_updates()
    world.webhook.url = ""
    world.webhook.secret_token = None
    return True


@api_method("getWebhookInfo")
def get_webhook_info(world: World, params: JSON) -> JSON:
    """Report the webhook and its backlog."""
    hook = world.webhook
    info: JSON = {
        "url": hook.url,
        "has_custom_certificate": False,
        "pending_update_count": world.pending_updates,
    }
    if hook.url:
        info["max_connections"] = hook.max_connections
        info["allowed_updates"] = sorted(world.allowed_updates)
    if hook.last_error_date is not None:
        info["last_error_date"] = hook.last_error_date
        info["last_error_message"] = hook.last_error_message
    return info


@api_method("answerCallbackQuery")
def answer_callback_query(world: World, params: JSON) -> bool:
    """Acknowledge a button press, optionally with a toast or alert."""
    query_id = required_str(params, "callback_query_id", "query is empty")
    query = world.open_callbacks.pop(query_id, None)
    if query is None:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    answer: JSON = {
        "callback_query_id": query_id,
        "data": query.get("data"),
        "text": optional_str(params, "text"),
        "show_alert": flag(params, "show_alert"),
        "url": optional_str(params, "url"),
        "cache_time": optional_int(params, "cache_time", 0),
    }
    world.answered_callbacks.append(answer)
    if answer["text"]:
        chat_id = query.get("message", {}).get("chat", {}).get("id", query["from"]["id"])
        shown = "alert" if answer["show_alert"] else "toast"
        world.note(f"↳ chat {chat_id} ({world.label(chat_id)}) {shown}: {answer['text']}")
    return True


def _commands_key(params: JSON) -> tuple[str, str]:
    scope = params.get("scope") or {"type": "default"}
    if not isinstance(scope, dict) or "type" not in scope:
        raise bad_request("can't parse BotCommandScope JSON object")
    return json.dumps(scope, sort_keys=True), optional_str(params, "language_code") or ""


@api_method("setMyCommands")
def set_my_commands(world: World, params: JSON) -> bool:
    """Set the command menu for a scope and language."""
    commands = required(params, "commands", "commands are empty")
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    for command in commands:
        if not isinstance(command, dict) or not _COMMAND.fullmatch(str(command.get("command"))):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(str(command.get("description") or "")) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    world.commands[_commands_key(params)] = [
        {"command": c["command"], "description": c["description"]} for c in commands
    ]
    return True


@api_method("getMyCommands")
def get_my_commands(world: World, params: JSON) -> list[JSON]:
    """Return the command menu for a scope and language."""
    return world.commands.get(_commands_key(params), [])


@api_method("deleteMyCommands")
def delete_my_commands(world: World, params: JSON) -> bool:
    """Remove the command menu for a scope and language."""
    world.commands.pop(_commands_key(params), None)
    return True


@api_method("setMyDescription")
def set_my_description(world: World, params: JSON) -> bool:
    """Accept a bot description."""
    return True


@api_method("setMyShortDescription")
def set_my_short_description(world: World, params: JSON) -> bool:
    """Accept a bot short description."""
    return True


@api_method("setChatMenuButton")
def set_chat_menu_button(world: World, params: JSON) -> bool:
    """Accept a menu button."""
    return True


@api_method("getChat")
def get_chat(world: World, params: JSON) -> JSON:
    """Return full information about a known chat."""
    chat_id = world.resolve_chat_id(required(params, "chat_id"))
    chat = world.chats.get(chat_id)
    if chat is None:
        raise bad_request("chat not found")
    gifts = {
        "unlimited_gifts": True,
        "limited_gifts": True,
        "unique_gifts": True,
        "premium_subscription": True,
        "gifts_from_channels": True,
    }
    return {**chat, "accent_color_id": 0, "max_reaction_count": 11, "accepted_gift_types": gifts}


@api_method("getFile")
def get_file(world: World, params: JSON) -> JSON:
    """Return a file's download path."""
    record = world.files.get(required_str(params, "file_id", "file_id is empty"))
    if record is None:
        raise bad_request("invalid file_id")
    return record.as_file()
