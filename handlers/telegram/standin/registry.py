"""Register Bot API method handlers and read their typed parameters."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from handlers.telegram.standin.records import JSON, bad_request
from handlers.telegram.standin.world import World

Handler = Callable[[World, JSON], Any]

_METHODS: dict[str, tuple[str, Handler]] = {}


def api_method(name: str) -> Callable[[Handler], Handler]:
    """Register a handler under a Bot API method name, matched case-insensitively."""

    def register(handler: Handler) -> Handler:
        _METHODS[name.lower()] = (name, handler)
        return handler

    return register


def lookup(name: str) -> tuple[str, Handler] | None:
    """Return the canonical name and handler for a method, None if Telegram has no such method."""
    if not _METHODS:
        # Importing the handler modules fills the table; done lazily to avoid import cycles.
        for module in ("handlers.telegram.standin.messaging", "handlers.telegram.standin.service"):
            importlib.import_module(module)

    return _METHODS.get(name.lower())


def required(params: JSON, name: str, missing: str | None = None) -> object:
    """Return a parameter that must be present and non-empty."""
    value = params.get(name)
    if value is None or value == "":
        raise bad_request(missing or f"{name} is empty")
    return value


def required_int(params: JSON, name: str, missing: str | None = None) -> int:
    """Return a required integer parameter."""
    value = required(params, name, missing)
    if not isinstance(value, int) or isinstance(value, bool):
        raise bad_request(f'field "{name}" must be of type Integer')
    return value


def optional_int(params: JSON, name: str, default: int) -> int:
    """Return an integer parameter or its default."""
    return default if params.get(name) is None else required_int(params, name)


def required_str(params: JSON, name: str, missing: str | None = None) -> str:
    """Return a required string parameter."""
    value = required(params, name, missing)
    if not isinstance(value, str):
        raise bad_request(f'field "{name}" must be of type String')
    return value


def optional_str(params: JSON, name: str) -> str | None:
    """Return a string parameter, None if absent."""
    value = params.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise bad_request(f'field "{name}" must be of type String')
    return value


def flag(params: JSON, name: str) -> bool:
    """Return a boolean parameter, False if absent."""
    return params.get(name) is True
