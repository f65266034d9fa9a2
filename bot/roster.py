"""The retailers CSV: read it, check every row against the team, report every mistake."""

from __future__ import annotations

import csv
import io
import re
import tomllib
import unicodedata
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import LARGEST_TELEGRAM_ID, Settings, load_settings
from bot.phones import DiallingPlan
from bot.problems import ConfigError, Problem
from bot.progress import Progress
from desk.people import Address, Retailer, Team
from storage.roster import RosterConflictError, RosterImport

if TYPE_CHECKING:
    from _csv import Reader

REQUIRED = ("id", "name", "shop", "phone", "manager")
OPTIONAL = ("telegram_id",)
COLUMNS = f"{','.join(REQUIRED)},{','.join(OPTIONAL)} ({', '.join(OPTIONAL)} optional)"
# A spreadsheet shows a long number typed into a number cell as 1.38001E+10, and saves it so;
# its digits alone can pass for a phone.
SCIENTIFIC = re.compile(r"[+-]?[0-9]+([.,][0-9]*)?[eE][+-]?[0-9]+")
LIMITS = {"id": 64, "name": 200, "shop": 200}
# The config sections the roster is checked against: the team, and where the file is.
ROSTER_SECTIONS = ("managers", "supervisors", "roster")


@dataclass(frozen=True)
class Roster:
    """The retailers a CSV lists, with the line each is on."""

    file: str
    retailers: list[Retailer]
    lines: Mapping[str, int]

    @contextmanager
    def clashes_located(self) -> Iterator[None]:
        """Turn a clash with the stored retailers into problems on this file's lines."""
        try:
            yield
        except RosterConflictError as conflict:
            raise ConfigError(
                Problem(self.file, c.column, c.message, self.lines.get(c.retailer_id))
                for c in conflict.clashes
            ) from None

    def outcome(self, result: RosterImport) -> str:
        """Say what importing this roster did, one line per replaced chat link."""
        counts = f"{result.added} added, {result.updated} updated, {result.unchanged} unchanged"
        relinks = [
            f"{self.file}: {r.retailer_id}: linked chat {r.was} replaced by telegram_id {r.now}"
            f" (line {self.lines.get(r.retailer_id)})"
            for r in result.relinked
        ]
        return "\n".join([f"{self.file}: {counts}", *relinks])


def read_roster(
    path: Path,
    team: Team,
    dialling: DiallingPlan | None = None,
    progress: Progress | None = None,
) -> Roster:
    """Read the retailers CSV; raise ConfigError listing every problem by line and column."""
    file = _shown(path)
    text = _read_text(path, file)
    reader = csv.reader(io.StringIO(text, newline=""))
    # Lines, not rows: a quoted cell may span lines, so the bar may end a little early.
    lines = text.count("\n") + (not text.endswith("\n"))
    try:
        rows = _read_rows(
            file, reader, _Rows(file, team, dialling or DiallingPlan()), progress, lines
        )
    except csv.Error as error:
        raise ConfigError(
            [Problem(file, "", f"unreadable CSV: {error}", reader.line_num)]
        ) from None
    return Roster(file, rows.retailers, rows.ids)


def load_roster(settings: Settings) -> Roster | None:
    """Read the roster the config names, or None when it names no file."""
    path = settings.roster_path()
    return read_roster(path, settings.team(), settings.dialling()) if path else None


def check(config_path: Path, env: Mapping[str, str] | None = None) -> list[Problem]:
    """Return every problem in the config and, whenever its team and file are known, the roster."""
    problems: list[Problem] = []
    try:
        settings: Settings | None = load_settings(config_path, env)
    except ConfigError as error:
        problems += error.problems
        settings = _roster_settings(config_path, env)
    if settings is not None:
        try:
            load_roster(settings)
        except ConfigError as error:
            problems += error.problems
    return problems


def summary(config_path: Path, env: Mapping[str, str] | None = None) -> str:
    """Describe a sound config in one line; raise ConfigError if it is not sound."""
    settings = load_settings(config_path, env)
    roster = load_roster(settings)
    path = settings.roster_path()
    counts = [
        _count(len(settings.managers), "manager"),
        _count(len(settings.supervisors), "supervisor"),
        _count(len(roster.retailers) if roster else 0, "retailer")
        + (f" ({_shown(path)})" if path else ""),
        _count(len(settings.escalation.steps), "escalation step"),
    ]
    if settings.on_duty:
        counts.append(_count(len(settings.on_duty), "on-duty shift"))
    return f"{config_path}: ok — {', '.join(counts)}"


@dataclass
class _Rows:
    """The rows read so far, with what they claimed, to catch duplicates."""

    file: str
    team: Team
    dialling: DiallingPlan
    retailers: list[Retailer] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    ids: dict[str, int] = field(default_factory=dict)
    phones: dict[str, str] = field(default_factory=dict)
    accounts: dict[int, str] = field(default_factory=dict)

    def problem(self, line: int, column: str, message: str) -> None:
        """Record a problem on a line."""
        self.problems.append(Problem(self.file, column, message, line))

    def add(self, line: int, row: dict[str, str]) -> None:
        """Check one row; keep it as a retailer when nothing is wrong with it."""
        before = len(self.problems)
        for column in REQUIRED:
            if not row[column]:
                self.problem(line, column, "empty; every retailer needs one")
        for column, limit in LIMITS.items():
            if len(row[column]) > limit:
                self.problem(line, column, f"longer than {limit} characters")
            elif any(unicodedata.category(c) == "Cc" for c in row[column]):
                # A stray control character (a NUL from a broken export) shows as nothing in
                # a chat, and PostgreSQL refuses to store a NUL at all.
                self.problem(line, column, f"{row[column]!r} holds a control character")
        retailer_id = row["id"]
        if retailer_id:
            self._check_id(line, retailer_id)
        phone = self._phone(line, row["phone"], retailer_id) if row["phone"] else ""
        manager = row["manager"]
        if manager and manager not in self.team.managers:
            known = ", ".join(self.team.managers) or "none configured"
            self.problem(line, "manager", f"unknown manager {manager!r} (known: {known})")
        account = self._account(line, row.get("telegram_id", ""), retailer_id)
        if len(self.problems) == before:
            chats = (Address("telegram", str(account)),) if account is not None else ()
            self.retailers.append(
                Retailer(retailer_id, row["name"], row["shop"], phone, manager, chats)
            )

    def _check_id(self, line: int, retailer_id: str) -> None:
        if any(ch.isspace() for ch in retailer_id):
            self.problem(line, "id", f"{retailer_id!r} contains spaces")
        if self.team.staff(retailer_id):
            self.problem(line, "id", f"{retailer_id!r} is a staff id; use a different one")
        if retailer_id in self.ids:
            first = self.ids[retailer_id]
            self.problem(
                line, "id", f"duplicate retailer id {retailer_id!r} (first on line {first})"
            )
        self.ids.setdefault(retailer_id, line)

    def _phone(self, line: int, raw: str, retailer_id: str) -> str:
        """Return the row's phone as E.164, or "" after recording why it is none."""
        if SCIENTIFIC.fullmatch(raw):
            self.problem(
                line,
                "phone",
                f"{raw!r}: the spreadsheet turned the phone into a number in scientific "
                "notation, losing digits; format the phone column as text and type it again",
            )
            return ""
        phone = self.dialling.roster_phone(raw)
        if phone is None:
            region = self.dialling.region
            self.problem(
                line,
                "phone",
                f"{raw!r} is not a valid phone number in {region} (the roster's default_region)"
                " or abroad; write a landline with its area code, and a number of another "
                "country with + and its country code, such as +1 347 555 0123",
            )
            return ""
        if phone in self.phones:
            self.problem(line, "phone", f"{raw} is also the phone of {self.phones[phone]}")
        else:
            self.phones[phone] = f"{retailer_id} (line {line})"
        return phone

    def _account(self, line: int, raw: str, retailer_id: str) -> int | None:
        if not raw:
            return None
        # isdecimal, not isdigit: int() refuses digits such as "²" that isdigit accepts.
        if not raw.isdecimal():
            self.problem(line, "telegram_id", f"{raw!r} is not a Telegram id (a whole number)")
            return None
        # Measured first: int() refuses text of thousands of digits.
        account = int(raw) if len(raw) <= len(str(LARGEST_TELEGRAM_ID)) else 0
        if not 1 <= account <= LARGEST_TELEGRAM_ID:
            self.problem(
                line,
                "telegram_id",
                f"{raw} is not a Telegram id (they run from 1 to {LARGEST_TELEGRAM_ID})",
            )
            return None
        staff = self.team.by_contact(Address("telegram", str(account)))
        if staff:
            self.problem(
                line, "telegram_id", f"{account} is the Telegram id of {staff.name} ({staff.id})"
            )
        elif account in self.accounts:
            owner = self.accounts[account]
            self.problem(line, "telegram_id", f"{account} is also the Telegram id of {owner}")
        else:
            self.accounts[account] = f"{retailer_id} (line {line})"
        return account


def _roster_settings(config_path: Path, env: Mapping[str, str] | None) -> Settings | None:
    """Read just the sections the roster needs from a config with problems elsewhere."""
    try:
        mapping = tomllib.loads(config_path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        # load_settings has said what is wrong with the file itself; no section can be read.
        return None
    sections = {k: v for k, v in mapping.items() if k in ROSTER_SECTIONS}
    try:
        return Settings.from_mapping(
            sections, env, file=str(config_path), config_dir=config_path.resolve().parent
        )
    except ConfigError:
        # The staff or [roster] is wrong itself (already reported): no team to check against.
        return None


def _read_rows(
    file: str, reader: Reader, rows: _Rows, progress: Progress | None, lines: int
) -> _Rows:
    header = next(reader, None)
    if header is None:
        raise ConfigError([Problem(file, "", f"empty file; the first line must be {COLUMNS}")])
    columns = [c.strip().lower() for c in header]
    _check_header(file, columns, reader.line_num)
    while True:
        line = reader.line_num + 1
        row = next(reader, None)
        if row is None:
            break
        if progress is not None:
            progress(min(reader.line_num, lines), lines)
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(columns):
            rows.problem(line, "", f"{len(row)} values but the header names {len(columns)}")
            continue
        cells = [cell.strip() for cell in row] + [""] * (len(columns) - len(row))
        rows.add(line, dict(zip(columns, cells, strict=True)))
    if rows.problems:
        raise ConfigError(rows.problems)
    return rows


def _read_text(path: Path, file: str) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError([Problem(file, "", "file not found")]) from None
    except OSError as error:
        raise ConfigError([Problem(file, "", f"cannot read: {error.strerror}")]) from None
    try:
        # Excel's "CSV UTF-8" starts with a byte-order mark; utf-8-sig drops it.
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        message = "not UTF-8 text; save it as 'CSV UTF-8' (e.g. from Excel or WPS)"
        raise ConfigError([Problem(file, "", message, line)]) from None


def _check_header(file: str, columns: list[str], line: int) -> None:
    problems = [
        Problem(file, c, f"missing column; the header must be {COLUMNS}", line)
        for c in REQUIRED
        if c not in columns
    ]
    for i, column in enumerate(columns):
        # Spreadsheets often save trailing unnamed columns; they carry nothing we read.
        if not column:
            continue
        if column not in REQUIRED and column not in OPTIONAL:
            problems.append(Problem(file, column, f"unknown column; expected {COLUMNS}", line))
        elif column in columns[:i]:
            problems.append(Problem(file, column, "column appears twice", line))
    if problems:
        raise ConfigError(problems)


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
