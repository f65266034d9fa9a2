"""Tests for bot.roster: every row mistake is named with its line and column."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.phones import DiallingPlan
from bot.problems import ConfigError
from bot.roster import check, read_roster, summary
from desk.people import Address, Manager, Retailer, Supervisor, Team
from storage.roster import Clash, Relink, RosterConflictError, RosterImport

REPO = Path(__file__).resolve().parents[2]
HEADER = "id,name,shop,phone,manager,telegram_id\n"
GOOD = "r1,张伟,张记烟酒店,138 0013 8001,m1,810000001\n"


@pytest.fixture
def team() -> Team:
    return Team(
        [
            Manager("m1", "李经理", (Address("telegram", "5001"),)),
            Manager("m2", "王经理", (Address("telegram", "5002"),)),
        ],
        [Supervisor("s1", "陈主任", (Address("telegram", "7001"),))],
    )


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Work in tmp_path so problems name the file as 'retailers.csv'."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(folder: Path, text: str, *, bom: bool = False) -> Path:
    path = folder / "retailers.csv"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def problems(path: Path, team: Team) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        read_roster(path, team)
    return [str(p) for p in caught.value.problems]


def test_reads_retailers_with_e164_phones(here: Path, team: Team) -> None:
    path = write(
        here,
        HEADER
        + GOOD
        + "r2,刘芳,芳芳便利店,+86 139-0013-9002,m2,\n"
        + "r3,赵强,强盛商行,１３７００１３７００３,m2,\n"
        + "r4,Joe,Joe's Deli,+1 347-555-0123,m2,\n",
    )

    assert read_roster(path, team).retailers == [
        Retailer(
            "r1", "张伟", "张记烟酒店", "+8613800138001", "m1", (Address("telegram", "810000001"),)
        ),
        Retailer("r2", "刘芳", "芳芳便利店", "+8613900139002", "m2", ()),
        Retailer("r3", "赵强", "强盛商行", "+8613700137003", "m2", ()),
        Retailer("r4", "Joe", "Joe's Deli", "+13475550123", "m2", ()),
    ]


def test_the_default_region_reads_phones_without_a_country_code(here: Path, team: Team) -> None:
    path = write(here, HEADER + "r1,Joe,Joe's Deli,(347) 555-0123,m1,\n")

    (joe,) = read_roster(path, team, DiallingPlan("US")).retailers
    assert joe.phone == "+13475550123"


def test_a_us_and_a_chinese_number_of_the_same_digits_are_two_phones(
    here: Path, team: Team
) -> None:
    path = write(
        here, HEADER + "r1,钱七,钱七烟行,134-7555-0123,m1,\nr2,Joe,Deli,+1 347 555 0123,m2,\n"
    )

    assert [r.phone for r in read_roster(path, team).retailers] == [
        "+8613475550123",
        "+13475550123",
    ]


def test_byte_order_mark_is_ignored(here: Path, team: Team) -> None:
    path = write(here, HEADER + GOOD, bom=True)

    assert [r.id for r in read_roster(path, team).retailers] == ["r1"]


def test_telegram_id_column_is_optional(here: Path, team: Team) -> None:
    path = write(here, "ID, Name ,shop,phone,manager\r\nr1,张伟,张记烟酒店,13800138001,m1\r\n")

    assert read_roster(path, team).retailers == [
        Retailer("r1", "张伟", "张记烟酒店", "+8613800138001", "m1", ())
    ]


def test_blank_lines_and_unnamed_trailing_columns_are_skipped(here: Path, team: Team) -> None:
    path = write(here, "id,name,shop,phone,manager,telegram_id,\n\n" + GOOD.strip() + ",\n\n")

    assert [r.id for r in read_roster(path, team).retailers] == ["r1"]


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        pytest.param(
            "r2,刘芳,芳芳便利店,13900139002,m9,\n",
            "retailers.csv:3: manager: unknown manager 'm9' (known: m1, m2)",
            id="unknown-manager",
        ),
        pytest.param(
            "r2,,芳芳便利店,13900139002,m1,\n",
            "retailers.csv:3: name: empty; every retailer needs one",
            id="empty-name",
        ),
        pytest.param(
            "r1,刘芳,芳芳便利店,13900139002,m1,\n",
            "retailers.csv:3: id: duplicate retailer id 'r1' (first on line 2)",
            id="duplicate-id",
        ),
        pytest.param(
            "r2,刘芳,芳芳便利店,+86 138-0013-8001,m1,\n",
            "retailers.csv:3: phone: +86 138-0013-8001 is also the phone of r1 (line 2)",
            id="duplicate-phone-after-normalizing",
        ),
        pytest.param(
            "r2,刘芳,芳芳便利店,1.39E+10,m1,\n",
            "retailers.csv:3: phone: '1.39E+10': the spreadsheet turned the phone into a number "
            "in scientific notation, losing digits; format the phone column as text and type it "
            "again",
            id="spreadsheet-mangled-phone",
        ),
        pytest.param(
            "r2,刘芳,芳芳便利店,1.38001E+10,m1,\n",
            "retailers.csv:3: phone: '1.38001E+10': the spreadsheet turned the phone into a "
            "number in scientific notation, losing digits; format the phone column as text and "
            "type it again",
            id="scientific-phone-with-enough-digits",
        ),
        pytest.param(
            "r2,刘芳,芳芳便利店,5550123,m1,\n",
            "retailers.csv:3: phone: '5550123' is not a valid phone number in CN (the roster's default_regi"
            "on) or abroad; write a landline with its area code, and a number of another country with + and its country code, such as +1 347 555 0123",
            id="seven-digits-without-area-code",
        ),
        pytest.param(
            "r2,刘芳,芳芳便利店,+1 000 555 0123,m1,\n",
            "retailers.csv:3: phone: '+1 000 555 0123' is not a valid phone number in CN (the roster's de"
            "fault_region) or abroad; write a landline with its area code, and a number of another country with + and its country code, such as +1 347 555 0123",
            id="impossible-number-abroad",
        ),
        pytest.param(
            "r2,刘芳,芳芳便利店,1390013900,m1,\n",
            "retailers.csv:3: phone: '1390013900' is not a valid phone number in CN (the roster's default_regi"
            "on) or abroad; write a landline with its area code, and a number of another country with + and its country code, such as +1 347 555 0123",
            id="mobile-missing-a-digit",
        ),
        pytest.param(
            "r2,刘芳,芳芳便利店,13900139002,m1,²\n",
            "retailers.csv:3: telegram_id: '²' is not a Telegram id (a whole number)",
            id="superscript-digit-telegram-id",
        ),
        pytest.param(
            "r2,刘芳,芳芳便利店,13900139002,m1,99999999999999999999\n",
            "retailers.csv:3: telegram_id: 99999999999999999999 is not a Telegram id "
            "(they run from 1 to 9223372036854775807)",
            id="telegram-id-beyond-64-bits",
        ),
        pytest.param(
            "r2,刘芳,芳芳便利店,13900139002,m1,9223372036854775808\n",
            "retailers.csv:3: telegram_id: 9223372036854775808 is not a Telegram id "
            "(they run from 1 to 9223372036854775807)",
            id="telegram-id-one-past-64-bits",
        ),
        pytest.param(
            "r2,刘芳,芳芳便利店,13900139002,m1,0\n",
            "retailers.csv:3: telegram_id: 0 is not a Telegram id "
            "(they run from 1 to 9223372036854775807)",
            id="zero-telegram-id",
        ),
        pytest.param(
            "r2,刘芳,芳芳便利店,13900139002,m1,@liufang\n",
            "retailers.csv:3: telegram_id: '@liufang' is not a Telegram id (a whole number)",
            id="non-integer-telegram-id",
        ),
        pytest.param(
            "r2,刘芳,芳芳便利店,13900139002,m1,810000001\n",
            "retailers.csv:3: telegram_id: 810000001 is also the Telegram id of r1 (line 2)",
            id="duplicate-telegram-id",
        ),
        pytest.param(
            "r2,刘芳,芳芳便利店,13900139002,m1,5001\n",
            "retailers.csv:3: telegram_id: 5001 is the Telegram id of 李经理 (m1)",
            id="staff-telegram-id",
        ),
        pytest.param(
            "r2,刘\x00芳,芳芳便利店,13900139002,m1,\n",
            "retailers.csv:3: name: '刘\\x00芳' holds a control character",
            id="nul-in-a-name",
        ),
        pytest.param(
            "m1,刘芳,芳芳便利店,13900139002,m1,\n",
            "retailers.csv:3: id: 'm1' is a staff id; use a different one",
            id="staff-id",
        ),
        pytest.param(
            "r2,刘芳,芳芳便利店,13900139002,m1,,extra\n",
            "retailers.csv:3: 7 values but the header names 6",
            id="too-many-values",
        ),
    ],
)
def test_each_mistake_names_line_and_column(
    here: Path, team: Team, rows: str, expected: str
) -> None:
    path = write(here, HEADER + GOOD + rows)

    assert problems(path, team) == [expected]


def test_missing_and_unknown_columns(here: Path, team: Team) -> None:
    path = write(here, "id,name,shop,mobile,manager\n" + GOOD)

    assert problems(path, team) == [
        "retailers.csv:1: phone: missing column; the header must be "
        "id,name,shop,phone,manager,telegram_id (telegram_id optional)",
        "retailers.csv:1: mobile: unknown column; expected "
        "id,name,shop,phone,manager,telegram_id (telegram_id optional)",
    ]


def test_all_problems_come_at_once(here: Path, team: Team) -> None:
    rows = "r2,刘芳,,13900139002,m9,\nr1,赵强,强盛烟酒商行,13700137003,m2,x1\n"
    path = write(here, HEADER + GOOD + rows)

    assert problems(path, team) == [
        "retailers.csv:3: shop: empty; every retailer needs one",
        "retailers.csv:3: manager: unknown manager 'm9' (known: m1, m2)",
        "retailers.csv:4: id: duplicate retailer id 'r1' (first on line 2)",
        "retailers.csv:4: telegram_id: 'x1' is not a Telegram id (a whole number)",
    ]


def test_missing_file(here: Path, team: Team) -> None:
    assert problems(here / "retailers.csv", team) == ["retailers.csv: file not found"]


def test_gbk_file_is_told_to_be_saved_as_utf8(here: Path, team: Team) -> None:
    path = here / "retailers.csv"
    path.write_bytes((HEADER + GOOD).encode("gbk"))

    assert problems(path, team) == [
        "retailers.csv:2: not UTF-8 text; save it as 'CSV UTF-8' (e.g. from Excel or WPS)"
    ]


def test_repo_roster_matches_repo_config() -> None:
    assert check(REPO / "config.toml", env={}) == []
    assert summary(REPO / "config.toml", env={}).startswith(
        f"{REPO / 'config.toml'}: ok — 2 managers, 1 supervisor, "
    )


def test_check_combines_config_and_roster(here: Path) -> None:
    shutil.copy(REPO / "config.toml", here / "config.toml")
    write(here, HEADER + GOOD + "r2,刘芳,芳芳便利店,13900139002,m7,\n")

    assert [str(p) for p in check(here / "config.toml", env={})] == [
        "retailers.csv:3: manager: unknown manager 'm7' (known: m1, m2)"
    ]
    with pytest.raises(ConfigError):
        summary(here / "config.toml", env={})


def test_check_reports_config_problems_first(here: Path) -> None:
    (here / "config.toml").write_text('timezone = "Nowhere"\n', encoding="utf-8")

    assert [p.key for p in check(here / "config.toml", env={})] == ["timezone"]


def test_summary_counts(here: Path) -> None:
    shutil.copy(REPO / "config.toml", here / "config.toml")
    write(here, HEADER + GOOD)

    assert summary(here / "config.toml", env={}) == (
        f"{here / 'config.toml'}: ok — 2 managers, 1 supervisor, 1 retailer (retailers.csv), "
        "3 escalation steps, 2 on-duty shifts"
    )


def test_unreadable_csv_is_a_problem_not_a_traceback(here: Path, team: Team) -> None:
    path = write(here, HEADER + GOOD + 'r2,"' + "x" * 200_000 + '",shop,13900139002,m1,\n')

    assert problems(path, team) == [
        "retailers.csv:3: unreadable CSV: field larger than field limit (131072)"
    ]


def test_largest_and_full_width_telegram_ids_are_read(here: Path, team: Team) -> None:
    rows = "r2,刘芳,芳芳便利店,13900139002,m1,9223372036854775807\nr3,赵强,强盛,13700137003,m2,８１０\n"
    path = write(here, HEADER + GOOD + rows)

    assert [r.contacts for r in read_roster(path, team).retailers] == [
        (Address("telegram", "810000001"),),
        (Address("telegram", "9223372036854775807"),),
        (Address("telegram", "810"),),
    ]


def test_a_telegram_id_of_thousands_of_digits_is_a_problem(here: Path, team: Team) -> None:
    path = write(here, HEADER + GOOD + "r2,刘芳,芳芳便利店,13900139002,m1," + "9" * 5000 + "\n")

    [problem] = problems(path, team)
    assert problem.startswith("retailers.csv:3: telegram_id: 999")
    assert problem.endswith("is not a Telegram id (they run from 1 to 9223372036854775807)")


def test_check_reads_the_roster_beside_a_config_problem_elsewhere(here: Path) -> None:
    config = (REPO / "config.toml").read_text(encoding="utf-8")
    (here / "config.toml").write_text(config.replace("port = 8080", "port = 99999"), "utf-8")
    write(here, HEADER + GOOD + "r2,刘芳,芳芳便利店,13900139002,m7,\n")

    assert [str(p) for p in check(here / "config.toml", env={})] == [
        f"{here / 'config.toml'}: serve.port: Input should be less than or equal to 65535 "
        "(got 99999)",
        "retailers.csv:3: manager: unknown manager 'm7' (known: m1, m2)",
    ]


def test_import_outcome_is_a_sentence(here: Path, team: Team) -> None:
    path = write(here, HEADER + GOOD + "r2,刘芳,芳芳便利店,13900139002,m1,\n")
    roster = read_roster(path, team)

    assert roster.outcome(RosterImport(1, 2, 5)) == "retailers.csv: 1 added, 2 updated, 5 unchanged"
    assert roster.outcome(RosterImport(0, 1, 1, (Relink("r1", "900", "810000001"),))) == (
        "retailers.csv: 0 added, 1 updated, 1 unchanged\n"
        "retailers.csv: r1: linked chat 900 replaced by telegram_id 810000001 (line 2)"
    )


def test_clashes_with_stored_retailers_are_named_on_their_lines(here: Path, team: Team) -> None:
    path = write(here, HEADER + GOOD + "r2,刘芳,芳芳便利店,13900139002,m1,\n")
    roster = read_roster(path, team)

    with pytest.raises(ConfigError) as caught, roster.clashes_located():
        raise RosterConflictError([Clash("r2", "phone", "taken by r9")])

    assert [str(p) for p in caught.value.problems] == ["retailers.csv:3: phone: taken by r9"]
