"""What is wrong with a config or roster file, said where it is wrong."""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, get_args

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails


@dataclass(frozen=True)
class Problem:
    """One mistake in a file: the file, the key or column, and what to do about it."""

    file: str
    key: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        """Render as 'file[:line]: key: message', leaving out an empty key."""
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return ": ".join(part for part in (where, self.key, self.message) if part)


class ConfigError(Exception):
    """Every problem found in the config or roster, reported together."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        """Return one line per problem."""
        return "\n".join(str(p) for p in self.problems)


def toml_problem(file: str, error: tomllib.TOMLDecodeError) -> Problem:
    """Turn a TOML syntax error into a problem on its line."""
    match = re.fullmatch(r"(.*) \(at line (\d+), column (\d+)\)", str(error))
    if not match:
        return Problem(file, "", f"invalid TOML: {error}")
    return Problem(file, "", f"invalid TOML: {match[1]} at column {match[3]}", int(match[2]))


def validation_problems(file: str, error: ValidationError, model: type[BaseModel]) -> list[Problem]:
    """Turn every pydantic error into a problem keyed like 'managers[1].backup'."""
    return [_problem(file, e, model) for e in error.errors(include_url=False)]


def key_of(loc: Sequence[int | str]) -> str:
    """Render a pydantic location as a config key path."""
    key = ""
    for part in loc:
        key += f"[{part}]" if isinstance(part, int) else f".{part}" if key else part
    return key


def _problem(file: str, error: ErrorDetails, model: type[BaseModel]) -> Problem:
    loc, kind = error["loc"], error["type"]
    if kind == "extra_forbidden":
        message = "unknown key"
        allowed = _allowed_keys(model, loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        if close:
            message += f"; did you mean {close[0]!r}?"
        elif allowed:
            message += f" (expected one of: {', '.join(allowed)})"
    elif kind == "missing":
        message = "required key is missing"
    elif kind == "value_error":
        message = str(error.get("ctx", {}).get("error", error["msg"]))
    else:
        message = error["msg"]
        if isinstance(error["input"], str | int | float):
            message += f" (got {error['input']!r})"
    return Problem(file, key_of(loc), message)


def _allowed_keys(model: type[BaseModel], loc: Sequence[int | str]) -> list[str]:
    """Follow a location down nested models to list the keys valid there."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        field = current.model_fields.get(part)
        if field is None:
            return []
        current = field.annotation
        # Unwrap list[X] and X | None down to the model inside.
        while not (isinstance(current, type) and issubclass(current, BaseModel)):
            inner = [a for a in get_args(current) if a is not type(None)]
            if not inner:
                return []
            current = inner[0]
    return list(current.model_fields)
