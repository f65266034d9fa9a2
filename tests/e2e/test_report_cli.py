"""`retaildesk report` on the command line: the files it writes and the mistakes it refuses."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.cli import main
from reports import IsoWeek
from tests.e2e.harness import desk_mapping, write_config

TG = type(
    "Tg",
    (),
    {
        "token": "123456:SECRET",
        "base_url": "http://127.0.0.1:9/bot",
        "base_file_url": "http://127.0.0.1:9/file/bot",
    },
)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return write_config(desk_mapping(TG, tmp_path), tmp_path)  # type: ignore[arg-type]


def report(config: Path, *extra: str) -> int:
    return main(["report", "--config", str(config), *extra])


def test_a_csv_file_has_one_row_per_manager(config: Path, tmp_path: Path) -> None:
    out = tmp_path / "w47.csv"

    assert report(config, "--week", "2026-W47", "--format", "csv", "--out", str(out)) == 0

    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [(r["week"], r["manager"]) for r in rows] == [("2026-W47", "m1"), ("2026-W47", "m2")]
    # The configured two-step ladder names the step columns, even in a week with no questions.
    steps = [column for column in rows[0] if column.startswith("escalated_step")]
    assert steps == ["escalated_step1", "escalated_step2"]


@pytest.mark.parametrize(
    ("out", "said"),
    [("nowhere/w47.csv", "does not exist"), (".", "is a folder")],
)
def test_an_unusable_out_path_is_refused_before_any_work(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], out: str, said: str
) -> None:
    target = tmp_path / out

    assert report(config, "--week", "2026-W47", "--out", str(target)) == 2

    printed = capsys.readouterr()
    assert said in printed.err
    assert "Traceback" not in printed.err + printed.out
    assert not (tmp_path / "desk.db").exists(), "refused before the database was opened"


@pytest.mark.parametrize(
    ("week", "said"),
    [
        ("", "is not a week"),
        ("2026-W99", "is not an ISO week"),
        ("1999-W10", "outside the years"),
        ("9999-W52", "outside the years"),
        ("2999-W52", "has not begun"),
    ],
)
def test_a_week_that_cannot_be_reported_is_refused_plainly(
    config: Path, capsys: pytest.CaptureFixture[str], week: str, said: str
) -> None:
    assert report(config, "--week", week) == 2

    printed = capsys.readouterr()
    assert f"--week {week}:" in printed.err
    assert said in printed.err
    assert printed.out == ""


def test_the_week_in_progress_says_it_is_not_over(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    this_week = IsoWeek.containing(datetime.now(UTC), ZoneInfo("Asia/Shanghai"))

    assert report(config, "--week", str(this_week)) == 0

    assert "本周尚未结束" in capsys.readouterr().out


def test_an_unreachable_database_is_named_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mapping = desk_mapping(TG, tmp_path)  # type: ignore[arg-type]
    # Nothing listens on port 1, so connecting fails at once.
    mapping["storage"]["url"] = "postgresql://desk:pg-secret@127.0.0.1:1/desk"
    config = write_config(mapping, tmp_path)

    assert report(config, "--week", "2026-W47") == 1
    assert main(["migrate", "--config", str(config)]) == 1

    printed = capsys.readouterr()
    assert printed.err.count("storage error at postgresql://desk:***@127.0.0.1:1/desk") == 2
    assert "Traceback" not in printed.err
