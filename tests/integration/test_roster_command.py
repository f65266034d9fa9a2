"""`retaildesk roster import`: a sentence on success, a named problem otherwise, never a traceback."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from bot.cli import main

REPO = Path(__file__).resolve().parents[2]
HEADER = "id,name,shop,phone,manager,telegram_id\n"


@pytest.fixture
def desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Copy the example config and roster to tmp_path, with no RETAILDESK_ variable set."""
    for name in ("config.toml", "retailers.csv"):
        shutil.copy(REPO / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    for variable in [v for v in os.environ if v.upper().startswith("RETAILDESK_")]:
        monkeypatch.delenv(variable)
    return tmp_path


def use_storage(desk: Path, url: str) -> None:
    config = desk / "config.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('"sqlite:///retaildesk.db"', f'"{url}"', 1), encoding="utf-8")


def roster_import(
    capsys: pytest.CaptureFixture[str], file: str = "retailers.csv"
) -> tuple[int, str, str]:
    code = main(["roster", "import", file, "--config", "config.toml"])
    printed = capsys.readouterr()
    return code, printed.out, printed.err


def test_an_import_says_what_it_did(desk: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert roster_import(capsys) == (0, "retailers.csv: 5 added, 0 updated, 0 unchanged\n", "")
    assert roster_import(capsys) == (0, "retailers.csv: 0 added, 0 updated, 5 unchanged\n", "")


def test_a_phone_another_stored_retailer_has_is_refused(
    desk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    roster_import(capsys)
    (desk / "more.csv").write_text(
        HEADER + "r006,新店,新店,13600000006,m1,\nr008,冒名,别家店,138-0013-8001,m2,\n", "utf-8"
    )

    assert roster_import(capsys, "more.csv") == (
        2,
        "",
        "more.csv:3: phone: +8613800138001 is already the phone of r001 (张伟, 张记烟酒店); a shared "
        "contact must find one retailer, so give r008 their own phone or list r001 with a new one\n",
    )
    # Nothing of the refused file was written: r006 is still unknown.
    assert roster_import(capsys)[1] == "retailers.csv: 0 added, 0 updated, 5 unchanged\n"


@pytest.mark.parametrize(
    ("url", "named"),
    [
        ("sqlite:///nowhere/desk.db", "sqlite:///nowhere/desk.db: OperationalError: "),
        # Nothing listens on port 1, so connecting fails at once.
        ("postgresql://u:pw-secret@127.0.0.1:1/db", "postgresql://u:***@127.0.0.1:1/db: "),
    ],
    ids=["missing-sqlite-folder", "refused-postgresql"],
)
def test_a_database_that_cannot_be_used_is_named_without_its_password(
    desk: Path, capsys: pytest.CaptureFixture[str], url: str, named: str
) -> None:
    use_storage(desk, url)

    code, out, err = roster_import(capsys)

    assert (code, out) == (1, "")
    assert err.startswith(f"storage error at {named}")
    assert "pw-secret" not in err
    assert "Traceback" not in err


def check(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    monkeypatch.setenv("RETAILDESK_TELEGRAM__TOKEN", "123456:TOKEN")
    code = main(["check", "--config", "config.toml"])
    return code, capsys.readouterr().err


def test_check_names_a_stored_phone_the_upgrade_could_not_read(
    desk: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(REPO / "guide.txt", desk / "guide.txt")
    assert check(capsys, monkeypatch) == (0, "")
    assert not (desk / "retaildesk.db").exists(), "check never creates the database"
    roster_import(capsys)
    # As the upgrade to E.164 leaves a phone it cannot read: as it was, national digits.
    with sqlite3.connect(desk / "retaildesk.db") as db:
        db.execute("update retailers set phone = '5550123' where id = 'r002'")

    code, said = check(capsys, monkeypatch)

    assert code == 2
    assert said.splitlines() == [
        "sqlite:///retaildesk.db: retailer r002: stored phone '5550123' is no valid number (read "
        "in CN when stored phones became E.164), so no shared contact can find this retailer; "
        "correct their phone in the roster (default_region CN) and run `retaildesk roster import`"
    ]
    # Importing the roster again gives r002 its phone from the file, and check is content.
    roster_import(capsys)
    assert check(capsys, monkeypatch) == (0, "")
