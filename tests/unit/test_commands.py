"""`retaildesk check`: whatever run would refuse is named with its file and key, never a traceback."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from bot.cli import main

REPO = Path(__file__).resolve().parents[2]
TOKEN = "RETAILDESK_TELEGRAM__TOKEN"


@pytest.fixture
def desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Copy the example config, roster and guide to tmp_path, with a token and no other variable."""
    for name in ("config.toml", "retailers.csv", "guide.txt"):
        shutil.copy(REPO / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    for variable in [v for v in os.environ if v.upper().startswith("RETAILDESK_")]:
        monkeypatch.delenv(variable)
    monkeypatch.setenv(TOKEN, "123456:TOKEN")
    return tmp_path


def edit(desk: Path, old: str, new: str) -> None:
    config = desk / "config.toml"
    text = config.read_text(encoding="utf-8")
    assert old in text
    config.write_text(text.replace(old, new, 1), encoding="utf-8")


def check(capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    """Run `retaildesk check` on config.toml; return its exit code and what it said on stderr."""
    code = main(["check", "--config", "config.toml"])
    return code, capsys.readouterr().err.splitlines()


@pytest.mark.parametrize("token", ["", None])
def test_a_missing_token_is_refused_as_run_refuses_it(
    desk: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    token: str | None,
) -> None:
    if token is None:
        monkeypatch.delenv(TOKEN)
    else:
        monkeypatch.setenv(TOKEN, token)

    assert check(capsys) == (
        2,
        [
            "config.toml: telegram.token: missing; set it in the file or in RETAILDESK_TELEGRAM__TOKEN"
        ],
    )
    monkeypatch.setenv(TOKEN, "123456:TOKEN")
    assert check(capsys) == (0, [])


def test_a_missing_guide_file_is_named(desk: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(desk, 'file = "guide.txt"', 'file = "noguide.txt"')

    assert check(capsys) == (2, [f"{desk / 'noguide.txt'}: guide file not found"])


def test_guide_mistakes_are_named_with_their_line(
    desk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (desk / "badguide.txt").write_text("[topic x\nbad line here\n", encoding="utf-8")
    edit(desk, 'file = "guide.txt"', 'file = "badguide.txt"')

    expected = "expected [topic KEY], [entry ID] or name = value"
    assert check(capsys) == (
        2,
        [f"{desk / 'badguide.txt'}:1: {expected}", f"{desk / 'badguide.txt'}:2: {expected}"],
    )


def test_a_guide_that_is_a_folder_is_named(desk: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (desk / "guides").mkdir()
    edit(desk, 'file = "guide.txt"', 'file = "guides"')

    code, said = check(capsys)

    assert (code, len(said)) == (2, 1)
    assert said[0].startswith(f"{desk / 'guides'}: cannot read: ")


def test_token_guide_and_roster_problems_come_together(
    desk: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(TOKEN)
    edit(desk, 'file = "guide.txt"', 'file = "noguide.txt"')
    (desk / "retailers.csv").write_text("id,name\n", encoding="utf-8")

    code, said = check(capsys)

    assert code == 2
    assert list(dict.fromkeys(line.split(":")[0] for line in said)) == [
        "config.toml",
        "retailers.csv",
        str(desk / "noguide.txt"),
    ]


def test_a_huge_duration_is_too_long_not_a_traceback(
    desk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(
        desk,
        '{ after = "60m", notify = "supervisor" }',
        '{ after = "99999999999d", notify = "supervisor" }',
    )
    edit(desk, '# repeat_last_every = "2h"', "repeat_last_every = 99999999999999999")

    assert check(capsys) == (
        2,
        [
            "config.toml: escalation.steps[2].after: '99999999999d' is too long; a duration is at "
            "most 3650d (ten years)",
            "config.toml: escalation.repeat_last_every: 99999999999999999 is too long; a duration "
            "is at most 3650d (ten years)",
        ],
    )


def test_a_variable_that_is_not_json_is_named(
    desk: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RETAILDESK_ESCALATION__STEPS", "15m")
    monkeypatch.setenv("RETAILDESK_SERVE__PORT", "abc")

    assert check(capsys) == (
        2,
        [
            "RETAILDESK_ESCALATION__STEPS: escalation.steps: '15m' is not JSON; this key takes a "
            "JSON list or table",
            "RETAILDESK_SERVE__PORT: serve.port: Input should be a valid integer, unable to parse "
            "string as an integer (got 'abc')",
        ],
    )


def test_a_staff_id_past_64_bits_is_refused(desk: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(desk, "telegram_id = 7001", f"telegram_id = {2**70}")

    code, said = check(capsys)

    assert code == 2
    assert said == [
        f"config.toml: supervisors[0].telegram_id: {2**70} is not a Telegram user id; use the "
        "positive number of the person's chat (at most 9223372036854775807)"
    ]


def test_a_complaint_ladder_out_of_order_is_refused(
    desk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(desk, '{ after = "8h", notify = "supervisor" }', '{ after = "1h", notify = "supervisor" }')

    assert check(capsys) == (
        2,
        ["config.toml: complaints.steps[1].after: 1h must be later than the step before it (2h)"],
    )


def test_a_config_problem_does_not_hide_the_rosters(
    desk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(desk, "port = 8080", "port = 99999")
    roster = (desk / "retailers.csv").read_text(encoding="utf-8")
    (desk / "retailers.csv").write_text(roster + "r999,新店主,新店,13900000999,m9,\n", "utf-8")

    code, said = check(capsys)

    assert code == 2
    assert any(line.startswith("config.toml: serve.port:") for line in said), said
    assert any(line.startswith("retailers.csv:") and "m9" in line for line in said), said
