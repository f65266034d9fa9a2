"""Generate a province straight into a migrated SQLite file: staff, retailers, tickets, a week.

Rows go in with sqlite3 executemany into the schema Alembic built, so a million rows take
seconds. Columns hold exactly what the application writes (UTC text stamps, policy snapshots).

    python -m bench.province --db /tmp/p.db --open-tickets 100000
    python -m bench.province --db /tmp/w.db --week-messages 1000000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from desk.hours import WorkingHours
from desk.policy import EscalationStep, Notify, Policy
from reports.weeks import WeeklySchedule
from storage.codec import policy_text
from storage.engine import make_engine
from storage.migrate import upgrade

MANAGER_CHAT = 5_000_000
SUPERVISOR_CHAT = 7_000_000
RETAILER_CHAT = 10_000_000
LADDER = [
    {"after": "15m", "notify": "manager"},
    {"after": "30m", "notify": "backup"},
    {"after": "60m", "notify": "supervisor"},
]
POLICY = Policy(
    (
        EscalationStep(timedelta(minutes=15), Notify.MANAGER),
        EscalationStep(timedelta(minutes=30), Notify.BACKUP),
        EscalationStep(timedelta(minutes=60), Notify.SUPERVISOR),
    )
)
FAR = timedelta(days=30)
TZ = ZoneInfo("Asia/Shanghai")
HOURS = WorkingHours()  # the config's default: 09:00-18:00, Monday to Friday
_OFF_HOURS_KEPT = 0.185


def stamp(moment: datetime) -> str:
    """Spell a UTC moment the way the application stores it in SQLite."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


@dataclass(frozen=True)
class Province:
    """A province's people: supervisors over managers over retailers, all with chats."""

    retailers: int = 20_000
    managers: int = 500
    supervisors: int = 25

    def manager_of(self, retailer: int) -> str:
        """Return the manager id of retailer number `retailer`."""
        return f"m{retailer % self.managers}"

    def config(self, base_url: str, token: str, **extra: Any) -> dict[str, Any]:
        """Return a complete config mapping for this province against a Bot API endpoint."""
        return {
            "timezone": "Asia/Shanghai",
            "telegram": {
                "token": token,
                "base_url": base_url,
                "poll_timeout": 1,
                "messages_per_second": 0,
            },
            "storage": {"url": "sqlite:///province.db"},
            "escalation": {"steps": LADDER},
            "supervisors": [
                {"id": f"s{s}", "name": f"主任{s}", "telegram_id": SUPERVISOR_CHAT + s}
                for s in range(self.supervisors)
            ],
            "managers": [
                {
                    "id": f"m{m}",
                    "name": f"经理{m}",
                    "telegram_id": MANAGER_CHAT + m,
                    "backup": f"m{(m + 1) % self.managers}",
                    "supervisor": f"s{m % self.supervisors}",
                }
                for m in range(self.managers)
            ],
            "roster": {"retailers_csv": "retailers.csv"},
            **extra,
        }

    def write_roster(self, folder: Path) -> None:
        """Write retailers.csv with every retailer linked to a chat."""
        rows = ["id,name,shop,phone,manager,telegram_id"]
        rows += [
            f"r{i},零售户{i},第{i}号店,139{i:08d},{self.manager_of(i)},{RETAILER_CHAT + i}"
            for i in range(self.retailers)
        ]
        (folder / "retailers.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")

    def people(self) -> list[dict[str, Any]]:
        """Return every person as a stand-in user, so each chat exists there."""
        staff = [
            {"user_id": MANAGER_CHAT + m, "first_name": f"经理{m}"} for m in range(self.managers)
        ]
        staff += [
            {"user_id": SUPERVISOR_CHAT + s, "first_name": f"主任{s}"}
            for s in range(self.supervisors)
        ]
        return staff + [
            {"user_id": RETAILER_CHAT + i, "first_name": f"零售户{i}"}
            for i in range(self.retailers)
        ]


def write_config(mapping: dict[str, Any], folder: Path) -> Path:
    """Write a config mapping as config.toml (the shapes Province.config uses)."""
    lines = [f"{k} = {_toml(v)}" for k, v in mapping.items() if not isinstance(v, dict | list)]
    for name, section in mapping.items():
        if isinstance(section, dict):
            lines += [f"[{name}]", *(f"{k} = {_toml(v)}" for k, v in section.items())]
    for name, rows in mapping.items():
        if isinstance(rows, list):
            for row in rows:
                lines += [f"[[{name}]]", *(f"{k} = {_toml(v)}" for k, v in row.items())]
    path = folder / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return "{" + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + "}"


async def migrate(db: Path) -> None:
    """Create the application's schema in a new SQLite file."""
    engine = make_engine(f"sqlite:///{db}")
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


def _connect(db: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-200000")
    return conn


def add_retailers(db: Path, province: Province, at: datetime) -> None:
    """Store every retailer as the roster import would."""
    rows = (
        (
            f"r{i}",
            f"零售户{i}",
            f"第{i}号店",
            # E.164, as the roster import stores a phone.
            f"+86139{i:08d}",
            province.manager_of(i),
            "zh",
            stamp(at),
        )
        for i in range(province.retailers)
    )
    chats = (
        ("telegram", str(RETAILER_CHAT + i), f"r{i}", stamp(at)) for i in range(province.retailers)
    )
    with _connect(db) as conn:
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO retailers (id, name, shop, phone, manager_id, lang, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        conn.executemany(
            "INSERT INTO contacts (channel, chat, retailer_id, linked_at) VALUES (?, ?, ?, ?)",
            chats,
        )
        conn.execute("COMMIT")


_TICKET_SQL = (
    "INSERT INTO tickets (id, retailer_id, manager_id, home_manager_id, status, opened_at,"
    " policy, off_hours, waiting_since, round, last_step, last_fired_at, next_due_at,"
    " eta_until, hurry_at, first_response_at, acknowledged_at, resolved_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, NULL, NULL, ?, NULL, ?)"
)
_MESSAGE_SQL = (
    "INSERT INTO messages (ticket_id, author_id, from_retailer, kind, text, channel, chat_id,"
    " message_id, at) VALUES (?, ?, ?, 'text', ?, 'telegram', ?, ?, ?)"
)
_EVENT_SQL = (
    "INSERT INTO events (ticket_id, kind, at, actor, target, step, seconds, round, delivered,"
    " detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, '{}')"
)


def add_open_tickets(
    db: Path, province: Province, count: int, *, first_retailer: int = 0, now: datetime
) -> None:
    """Store `count` open tickets whose first step is weeks away, each with its question."""
    policy = policy_text(POLICY)
    span = max(province.retailers - first_retailer, 1)
    with _connect(db) as conn:
        base = conn.execute("SELECT coalesce(max(id), 0) FROM tickets").fetchone()[0]
        conn.execute("BEGIN")
        for start in range(0, count, 100_000):
            chunk = range(start, min(start + 100_000, count))
            tickets, messages, events = [], [], []
            for n in chunk:
                ticket = base + n + 1
                retailer = first_retailer + n % span
                opened = now - timedelta(seconds=n % 3600)
                due = now + FAR + timedelta(seconds=n)
                waiting = due - timedelta(minutes=15)
                manager = province.manager_of(retailer)
                tickets.append(
                    (
                        ticket,
                        f"r{retailer}",
                        manager,
                        manager,
                        "open",
                        stamp(opened),
                        policy,
                        0,
                        stamp(waiting),
                        0,
                        -1,
                        stamp(due),
                        None,
                        None,
                    )
                )
                messages.append(
                    (
                        ticket,
                        f"r{retailer}",
                        1,
                        f"问题{n}",
                        str(RETAILER_CHAT + retailer),
                        str(n + 1),
                        stamp(opened),
                    )
                )
                events.append(
                    (ticket, "opened", stamp(opened), f"r{retailer}", manager, None, None, None)
                )
                events.append((ticket, "asked", stamp(opened), f"r{retailer}", None, None, None, 0))
            conn.executemany(_TICKET_SQL, tickets)
            conn.executemany(_MESSAGE_SQL, messages)
            conn.executemany(_EVENT_SQL, events)
        conn.execute("COMMIT")


@dataclass(frozen=True)
class Week:
    """What a generated week holds."""

    start: datetime
    tickets: int
    messages: int
    events: int


def add_week(
    db: Path, province: Province, messages: int, start: datetime, *, seed: int = 7
) -> Week:
    """Store a week of traffic: tickets of about four questions, answered, some escalated.

    Mostly answered within minutes, some late and climbing the ladder, a few on-it promises,
    broken ETAs and unreachable managers, about a third outside working hours; each ticket's
    later rounds are follow-ups answered again, and most tickets end resolved.
    """
    rng = random.Random(seed)
    week_seconds = 7 * 24 * 3600
    ticket_count = event_count = message_count = 0
    with _connect(db) as conn:
        base = conn.execute("SELECT coalesce(max(id), 0) FROM tickets").fetchone()[0]
        conn.execute("BEGIN")
        for chunk in _chunks(_week_tickets(rng, province, messages, start, week_seconds, base)):
            conn.executemany(_TICKET_SQL, [t for t, _, _ in chunk])
            rows_m = [m for _, ms, _ in chunk for m in ms]
            rows_e = [e for _, _, es in chunk for e in es]
            conn.executemany(_MESSAGE_SQL, rows_m)
            conn.executemany(_EVENT_SQL, rows_e)
            ticket_count += len(chunk)
            message_count += len(rows_m)
            event_count += len(rows_e)
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
    return Week(start, ticket_count, message_count, event_count)


def mark_reports_sent(db: Path, supervisors: list[str], now: datetime) -> None:
    """Record the due week's summary as delivered, as after any start once Monday has passed.

    Without it the first start on a new file sends last week's summary to every supervisor,
    charts and all, while the figures are being taken.
    """
    week = WeeklySchedule.parse("mon 09:00").due_week(now, TZ)
    with _connect(db) as conn:
        conn.executemany(
            "INSERT OR IGNORE INTO reports_sent (week, supervisor_id, sent_at) VALUES (?, ?, ?)",
            [(str(week), s, stamp(now)) for s in supervisors],
        )


def _chunks(rows: Iterator[Any], size: int = 20_000) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _opened(rng: random.Random, start: datetime, span: int) -> datetime:
    """Draw when a question came: two in three within working hours, as retailers ask."""
    while True:
        opened = start + timedelta(seconds=rng.uniform(0, span - 3600))
        # Working hours are 27 % of the week; keeping 18.5 % of the rest makes them two thirds.
        if HOURS.covers(opened.astimezone(TZ)) or rng.random() < _OFF_HOURS_KEPT:
            return opened


def _week_tickets(
    rng: random.Random, province: Province, messages: int, start: datetime, span: int, base: int
) -> Iterator[tuple[tuple[Any, ...], list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
    policy = policy_text(POLICY)
    sent = 0
    n = 0
    while sent < messages:
        n += 1
        ticket = base + n
        retailer = rng.randrange(province.retailers)
        manager = province.manager_of(retailer)
        opened = _opened(rng, start, span)
        off_hours = int(not HOURS.covers(opened.astimezone(TZ)))
        rounds = min(1 + int(rng.expovariate(1 / 2.2)), 10)
        msgs: list[tuple[Any, ...]] = []
        evs: list[tuple[Any, ...]] = [
            (ticket, "opened", stamp(opened), f"r{retailer}", manager, None, None, None)
        ]
        at = opened
        first_response: datetime | None = None
        for round_ in range(rounds):
            for _ in range(1 + int(rng.expovariate(1 / 1.0))):
                msgs.append(
                    (
                        ticket,
                        f"r{retailer}",
                        1,
                        f"问题{n}-{round_}",
                        RETAILER_CHAT + retailer,
                        n,
                        stamp(at),
                    )
                )
                evs.append((ticket, "asked", stamp(at), f"r{retailer}", None, None, None, round_))
                sent += 1
            wait = rng.lognormvariate(5.5, 1.3)  # median about four minutes, long tail
            for step, after in enumerate((900, 1800, 3600)):
                if wait > after:
                    evs.append(
                        (
                            ticket,
                            "escalated",
                            stamp(at + timedelta(seconds=after)),
                            None,
                            manager,
                            step,
                            None,
                            round_,
                        )
                    )
            if rng.random() < 0.05:
                evs.append(
                    (
                        ticket,
                        "on_it",
                        stamp(at + timedelta(seconds=wait / 3)),
                        manager,
                        None,
                        None,
                        None,
                        round_,
                    )
                )
                if rng.random() < 0.3:
                    evs.append(
                        (
                            ticket,
                            "eta_broken",
                            stamp(at + timedelta(seconds=wait / 2)),
                            None,
                            manager,
                            None,
                            None,
                            round_,
                        )
                    )
            if rng.random() < 0.01:
                evs.append(
                    (
                        ticket,
                        "unreachable",
                        stamp(at + timedelta(seconds=900)),
                        None,
                        manager,
                        0,
                        None,
                        round_,
                    )
                )
            answered = at + timedelta(seconds=wait)
            by = manager if rng.random() < 0.9 else province.manager_of(retailer + 1)
            evs.append((ticket, "answered", stamp(answered), by, manager, None, wait, round_))
            msgs.append((ticket, by, 0, f"答复{n}-{round_}", MANAGER_CHAT, None, stamp(answered)))
            first_response = first_response or answered
            at = answered + timedelta(seconds=rng.uniform(60, 4 * 3600))
        resolved = rng.random() < 0.8
        if resolved:
            evs.append((ticket, "resolved", stamp(at), manager, None, None, None, rounds))
        row = (
            ticket,
            f"r{retailer}",
            manager,
            manager,
            "resolved" if resolved else "open",
            stamp(opened),
            policy,
            off_hours,
            None,
            rounds,
            -1,
            None,
            stamp(first_response) if first_response else None,
            stamp(at) if resolved else None,
        )
        yield row, msgs, evs


def main() -> None:
    """Generate a province file from the command line."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--retailers", type=int, default=20_000)
    parser.add_argument("--managers", type=int, default=500)
    parser.add_argument("--supervisors", type=int, default=25)
    parser.add_argument("--open-tickets", type=int, default=0)
    parser.add_argument("--first-retailer", type=int, default=0)
    parser.add_argument("--week-messages", type=int, default=0)
    parser.add_argument("--week-start", default="2026-11-16T00:00:00+08:00")
    parser.add_argument(
        "--reports-sent", action="store_true", help="mark the due week's summaries delivered"
    )
    args = parser.parse_args()
    province = Province(args.retailers, args.managers, args.supervisors)
    started = time.perf_counter()
    now = datetime.now(UTC)
    if not args.db.exists():
        asyncio.run(migrate(args.db))
        add_retailers(args.db, province, now)
    if args.open_tickets:
        add_open_tickets(
            args.db, province, args.open_tickets, first_retailer=args.first_retailer, now=now
        )
    if args.reports_sent:
        mark_reports_sent(args.db, [f"s{s}" for s in range(province.supervisors)], now)
    if args.week_messages:
        week = add_week(
            args.db, province, args.week_messages, datetime.fromisoformat(args.week_start)
        )
        print(
            json.dumps({"tickets": week.tickets, "messages": week.messages, "events": week.events})
        )
    print(f"generated {args.db} in {time.perf_counter() - started:.1f}s", flush=True)


if __name__ == "__main__":
    main()
