"""Tests for the [console] section: its defaults and the problems `check` names."""

from __future__ import annotations

from typing import Any

from bot.config import Settings
from tests.unit.test_config import config, problems_of


def settings(**sections: Any) -> Settings:
    return Settings.from_mapping(config(**sections), {})


def test_the_console_defaults_to_the_listener_and_a_fifteen_second_refresh() -> None:
    default = settings(serve={"host": "10.0.0.5", "port": 8443})
    assert default.console_url() == "http://10.0.0.5:8443"
    assert default.console.refresh == 15
    assert default.console.thresholds.unanswered == 10
    assert settings(serve={"host": "::1"}).console_url() == "http://[::1]:8080"


def test_a_public_url_is_used_without_its_trailing_slash() -> None:
    given = settings(console={"public_url": "https://desk.example.cn/ops/"})
    assert given.console_url() == "https://desk.example.cn/ops"


def test_check_names_each_wrong_console_key() -> None:
    found = problems_of(
        config(
            console={
                "public_url": "desk.example.cn",
                "refresh": 0,
                "thresholds": {"at_risk": -1, "late": 3},
            }
        )
    )
    assert len(found) == 4
    assert found[0].startswith("config.toml: console.public_url: 'desk.example.cn' is not a base")
    assert found[1].startswith("config.toml: console.refresh: ")
    assert found[2].startswith("config.toml: console.thresholds.at_risk: ")
    assert found[3].startswith("config.toml: console.thresholds.late: ")
