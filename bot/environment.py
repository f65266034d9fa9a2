"""The RETAILDESK_* environment variables: read from a given mapping, and named in problems."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import replace
from typing import Any

from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, EnvSettingsSource
from pydantic_settings.sources.utils import parse_env_vars

from bot.problems import Problem

# The environment a Settings build reads; None means the process environment.
ENVIRON: ContextVar[Mapping[str, str] | None] = ContextVar("retaildesk_environ", default=None)
ENV_PREFIX = "RETAILDESK_"


class UnreadableVariableError(ValueError):
    """An environment variable whose value is not the JSON its key takes."""

    def __init__(self, variable: str, reason: str) -> None:
        super().__init__(f"{variable}: {reason}")
        self.variable = variable
        self.reason = reason


class MappingEnvSource(EnvSettingsSource):
    """Read RETAILDESK_* variables from a given mapping, naming any that is not valid JSON."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        self._environ = environ
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return parse_env_vars(
            self._environ, self.case_sensitive, self.env_ignore_empty, self.env_parse_none_str
        )

    def decode_complex_value(self, field_name: str, field: FieldInfo, value: Any) -> Any:
        """Decode a list or table given as JSON; say which variable holds bad JSON."""
        try:
            return super().decode_complex_value(field_name, field, value)
        except ValueError as error:
            # pydantic-settings tells only the section, so find the variable holding this value.
            variable = next(
                (
                    name
                    for name, raw in self._environ.items()
                    if raw == value and (env_key(name) or "").rsplit(".", 1)[-1] == field_name
                ),
                f"{ENV_PREFIX}{field_name.upper()}",
            )
            message = f"{value!r} is not JSON; this key takes a JSON list or table"
            # Where it breaks helps only someone who meant to write JSON.
            if isinstance(error, json.JSONDecodeError) and str(value).lstrip()[:1] in ("[", "{"):
                message += f" ({error.msg} at column {error.colno})"
            raise UnreadableVariableError(variable, message) from error


def env_key(variable: str) -> str | None:
    """Return the config key a RETAILDESK_* variable sets, like 'serve.port', or None."""
    if not variable.upper().startswith(ENV_PREFIX) or len(variable) == len(ENV_PREFIX):
        return None
    return ".".join(variable[len(ENV_PREFIX) :].lower().split("__"))


def blame_environment(
    problems: list[Problem], environ: Mapping[str, str], file: str
) -> list[Problem]:
    """Report a problem against the variable its value came from, when that was the environment."""
    variables = {
        key: name for name, value in environ.items() if value and (key := env_key(name)) is not None
    }
    blamed = []
    for problem in problems:
        # The most specific variable wins: RETAILDESK_SERVE__PORT before RETAILDESK_SERVE.
        for key in sorted(variables, key=len, reverse=True):
            if problem.file == file and _sets(key, problem.key, environ[variables[key]]):
                problem = replace(problem, file=variables[key])
                break
        blamed.append(problem)
    return blamed


def _sets(variable_key: str, key: str, value: str) -> bool:
    """Say whether a variable for variable_key supplies the value at key."""
    if key == variable_key:
        return True
    if not key.startswith((f"{variable_key}.", f"{variable_key}[")):
        return False
    # A JSON table is merged with the file's section, so only keys it holds came from it.
    try:
        current: Any = json.loads(value)
    except ValueError:
        return False
    for index, name in re.findall(r"\[(\d+)\]|([^.\[\]]+)", key[len(variable_key) :]):
        if index:
            # A list replaces the file's list whole, so everything inside it came from here.
            return isinstance(current, list) and int(index) < len(current)
        if not (isinstance(current, Mapping) and name in current):
            return False
        current = current[name]
    return True
