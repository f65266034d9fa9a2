"""Bot tokens are masked wherever they would be printed."""

from __future__ import annotations

import pytest

from handlers.telegram.tokens import hide_token

TOKEN = "123456789:AAEhBP0av28bgrVhNXQ-1d2-aB_cdEfGhIj"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (f"https://api.telegram.org/bot{TOKEN}/getMe", "https://api.telegram.org/bot<token>/getMe"),
        (
            f"http://127.0.0.1:8081/bot{TOKEN}/sendMessage: 502",
            "http://127.0.0.1:8081/bot<token>/sendMessage: 502",
        ),
        (f"token={TOKEN}", "token=<token>"),
        ("http://127.0.0.1:9/bot123456:TEST-TOKEN/getMe", "http://127.0.0.1:9/bot<token>/getMe"),
    ],
)
def test_a_token_is_masked(text: str, shown: str) -> None:
    assert hide_token(text) == shown


@pytest.mark.parametrize(
    "text",
    [
        "at 19:00:00",
        "127.0.0.1:8080/telegram/hook",
        "ticket #12 of m1:5001",
        "2026-11-26T19:00:00+08:00",
    ],
)
def test_times_addresses_and_ids_are_left_alone(text: str) -> None:
    assert hide_token(text) == text
