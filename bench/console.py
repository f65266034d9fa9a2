"""The supervisor's console on a province: a page's queries bare (the floor), and the page.

A province of 20,000 retailers, 500 managers and 25 supervisors (20 managers each) holds
100,000 open tickets and a week of M retailer messages (the reported week, as bench.report
writes it) with the same volume the week before, plus ratings of a quarter of the resolved
tickets and supply requests on a tenth. The clock stands a minute before the week's end.

Each round loads the console of every supervisor in turn:

- **floor**: the SQL statements the page's queries sent for that viewer, captured once and
  replayed bare on a sqlite3 connection to the same file (no SQLAlchemy, no Python figures);
- **page**: the real `/console` page of that viewer, from the console app through
  httpx.ASGITransport (`asgi_pages`), every supervisor signed in through the console's storage;
- **list**: the ticket list behind the unanswered number (`/console/tickets?figure=unanswered`,
  its first page of 100), the same way;
- **figures**: this week's figures and the board's other report queries computed afresh, as a
  page's background refresh computes them (`build_page`), with a floor of their own.

The app keeps last week's figures (reports.standings.FinishedWeeks), the hour's heatmap
(reports.heatmap.KeptHeatmaps) and this week's figures for a refresh period
(handlers.console.services.KeptStandings, refreshed off the page once they age); one unmeasured
load per viewer fills them. The page and the list are measured as the app serves them, so this
week's figures are kept; **figures** measures what their refresh costs. The data is generated
once and kept under bench/.data/, keyed by the schema's migrations and the generator's version.

    python -m bench.console                      # 1,000,000 messages, 100,000 open, 3 rounds
    python -m bench.console --smoke              # a tiny province, one round, seconds
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import hashlib
import sqlite3
import time
from collections.abc import Awaitable, Callable, Mapping
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from alembic.script import ScriptDirectory
from sqlalchemy import delete, event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bench import measure, province
from bench.report import TZ, WEEK, team_of
from bench.report import Plan as ReportPlan
from desk.context import DeskContext
from desk.people import Team
from handlers.console.app import console_app
from handlers.console.security import SESSION_COOKIE
from handlers.console.services import ConsoleServices, ConsoleSettings
from reports.disputes import supply_disputes
from reports.heatmap import KeptHeatmaps, question_heatmap
from reports.low_ratings import low_ratings
from reports.rota import rota_ahead
from reports.scope import Scope, scope_of
from reports.standings import FinishedWeeks, managers_this_week
from reports.ticket_lists import TicketFigure, TicketFilter, tickets_behind
from storage.console import ConsoleAccess
from storage.engine import make_engine
from storage.migrate import alembic_config
from storage.store import SqlStore
from storage.tables import console_sessions

DATA = Path(__file__).with_name(".data")
# Bump when the generated rows change, so a kept file is made again.
GENERATOR = 1
NOW = WEEK.bounds(TZ)[1] - timedelta(minutes=1)

PageBuilder = Callable[[AsyncConnection, Scope], Awaitable[object]]


@dataclass(frozen=True)
class Plan:
    """Sizes for one run."""

    messages: int
    open_tickets: int
    rounds: int
    retailers: int = 20_000
    managers: int = 500
    supervisors: int = 25


def data_file(plan: Plan) -> Path:
    """Return where this plan's data is kept, named by everything that shapes it."""
    scripts = ScriptDirectory.from_config(alembic_config())
    head = scripts.get_current_head()
    # Every migration's text, not the head's id alone: a renumbered or edited migration keeps
    # the id and changes the schema.
    source = Path(province.__file__).read_bytes() + b"".join(
        Path(script.path).read_bytes() for script in scripts.walk_revisions()
    )
    sizes = (plan.messages, plan.open_tickets, plan.retailers, plan.managers, plan.supervisors)
    key = hashlib.sha256(f"{head}|{GENERATOR}|{sizes}".encode() + source).hexdigest()[:16]
    return DATA / f"console-{key}.db"


def prepare(plan: Plan) -> Path:
    """Generate the province into its kept file, unless it is already there."""
    db = data_file(plan)
    if db.exists():
        return db
    DATA.mkdir(exist_ok=True)
    partial = db.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    people = province.Province(plan.retailers, plan.managers, plan.supervisors)
    asyncio.run(province.migrate(partial))
    province.add_retailers(partial, people, NOW - timedelta(days=60))
    for week in (WEEK.previous(), WEEK):
        start = week.bounds(TZ)[0]
        province.add_week(partial, people, plan.messages, start, seed=week.week)
    province.add_open_tickets(partial, people, plan.open_tickets, now=NOW)
    _add_outcomes(partial)
    # bench.province leaves its sqlite3 connections to the collector; they must be gone
    # before the journal mode can change.
    gc.collect()
    with closing(sqlite3.connect(partial)) as conn:
        # Fold the write-ahead log in: the file is renamed, and its -wal would stay behind.
        conn.execute("PRAGMA journal_mode=DELETE")
    # Only a complete file takes the kept name: an interrupted run starts over.
    partial.rename(db)
    return db


def _add_outcomes(db: Path) -> None:
    """Rate a quarter of the resolved tickets and put supply requests on a tenth of all."""
    with closing(sqlite3.connect(db, isolation_level=None)) as conn:
        conn.execute("BEGIN")
        # Stamps keep the application's spelling, microseconds and all, so text compares.
        conn.execute(
            """
            INSERT INTO ratings (ticket_id, retailer_id, manager_id, asked_at, score, comment,
                                 rated_at)
            SELECT id, retailer_id, manager_id, rated, score,
                   CASE WHEN score <= 2 THEN '回复太慢' END, rated
            FROM (SELECT id, retailer_id, manager_id, 1 + (id * 7919) % 5 AS score,
                         strftime('%Y-%m-%d %H:%M:%S', resolved_at, '+1 hour') || '.000000'
                           AS rated
                  FROM tickets WHERE resolved_at IS NOT NULL AND id % 4 = 0)
            WHERE rated < :now
            """,
            {"now": province.stamp(NOW)},
        )
        conn.execute(
            """
            INSERT INTO supply_requests (ticket_id, retailer_id, manager_id, brand, brand_key,
                                         quantity, note, opened_at, outcome, outcome_at)
            SELECT id, retailer_id, manager_id, brand, lower(brand), '5条', '', opened_at,
                   CASE id % 7 WHEN 0 THEN 'out_of_stock' WHEN 1 THEN 'out_of_stock'
                               WHEN 2 THEN 'refused' ELSE 'fulfilled' END,
                   strftime('%Y-%m-%d %H:%M:%S', opened_at, '+1 hour') || '.000000'
            FROM (SELECT *, CASE id % 12 WHEN 0 THEN 'Zhonghua' WHEN 1 THEN 'Zhonghua'
                              WHEN 2 THEN 'Zhonghua' WHEN 3 THEN 'Furongwang'
                              WHEN 4 THEN 'Furongwang' WHEN 5 THEN 'Yuxi' WHEN 6 THEN 'Huanghelou'
                              WHEN 7 THEN 'Liqun' WHEN 8 THEN 'Baisha' WHEN 9 THEN 'Hongtashan'
                              WHEN 10 THEN 'Nanjing' ELSE 'Marlboro' END AS brand
                  FROM tickets WHERE id % 10 = 0)
            """
        )
        conn.execute("COMMIT")
        conn.execute("ANALYZE")


@dataclass
class Kept:
    """What the console keeps between page loads: finished weeks, and each hour's heatmap."""

    finished: FinishedWeeks = field(default_factory=FinishedWeeks)
    heatmaps: KeptHeatmaps = field(default_factory=KeptHeatmaps)


async def page_data(
    conn: AsyncConnection, team: Team, scope: Scope, kept: Kept
) -> tuple[object, ...]:
    """Run every query the console page shows for a viewer, and return their dataclasses."""
    standings = await managers_this_week(conn, team, scope, NOW, TZ, finished=kept.finished)
    ratings = await low_ratings(conn, team, scope, NOW)
    disputes = await supply_disputes(conn, team, scope, NOW, TZ)
    heatmap = await question_heatmap(conn, scope, NOW, TZ, kept=kept.heatmaps)
    waiting = await tickets_behind(conn, team, scope, TicketFilter(TicketFigure.WAITING))
    return standings, ratings, disputes, heatmap, rota_ahead(team, NOW, TZ), waiting


def build_page(team: Team, kept: Kept) -> PageBuilder:
    """Return how a viewer's page is built: for now its data (see the module's docstring)."""

    async def build(conn: AsyncConnection, scope: Scope) -> object:
        return await page_data(conn, team, scope, kept)

    return build


def asgi_pages(
    app: Any, cookies: Mapping[str, Mapping[str, str]], path: str = "/console"
) -> PageBuilder:
    """Return a builder that GETs a viewer's page from an ASGI app, signed in by their cookies.

    For the console app once it is on the branch: sign each supervisor in (their session
    cookie by viewer id), then pass the result where build_page is used.
    """

    async def build(_conn: AsyncConnection, scope: Scope) -> object:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://console", cookies=dict(cookies[scope.viewer_id])
        ) as client:
            answer = await client.get(path)
        answer.raise_for_status()
        return answer.text

    return build


class Recorder:
    """Keep the statements an engine sends, as the driver gets them, while switched on."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.on = False
        self.statements: list[Statement] = []
        event.listen(engine.sync_engine, "before_cursor_execute", self._keep)

    def _keep(
        self, _conn: Any, _cursor: Any, sql: str, parameters: Any, _context: Any, many: bool
    ) -> None:
        if self.on:
            self.statements.append(Statement(sql, parameters, many))


@dataclass(frozen=True)
class Statement:
    """One statement as the driver got it."""

    sql: str
    parameters: Any
    many: bool


def replay(db: Path, statements: list[Statement]) -> float:
    """Run statements bare on a sqlite3 connection, fetching every row; return the seconds."""
    with closing(sqlite3.connect(db, isolation_level=None)) as conn:
        # Warm the connection as the engine's pooled one is: schema read, caches filled once.
        conn.execute("SELECT count(*) FROM sqlite_master").fetchall()
        started = time.perf_counter()
        conn.execute("BEGIN")
        for statement in statements:
            # The engine's own transaction control: the replay runs in one read transaction.
            if statement.sql.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
                continue
            if statement.many:
                conn.executemany(statement.sql, statement.parameters)
            else:
                conn.execute(statement.sql, statement.parameters or ()).fetchall()
        conn.execute("ROLLBACK")
        return time.perf_counter() - started


async def measure_plan(plan: Plan) -> dict[str, Any]:
    """Time every supervisor's page data, then their real page, each beside its floor."""
    db = await asyncio.to_thread(prepare, plan)
    team = team_of_plan(plan)
    viewers = [scope_of(team, s) for s in team.supervisors]
    scopes = [s for s in viewers if s is not None]
    engine = make_engine(f"sqlite:///{db}")
    recorder = Recorder(engine)
    try:
        data = await _timed(engine, recorder, db, scopes, build_page(team, Kept()), plan.rounds)
        console = console_of(engine, team)
        cookies = await signed_in(console, scopes)
        try:
            app = console_app(console)
            build = asgi_pages(app, cookies)
            page = await _timed(engine, recorder, db, scopes, build, plan.rounds)
            listed = asgi_pages(app, cookies, "/console/tickets?figure=unanswered")
            lists = await _timed(engine, recorder, db, scopes, listed, plan.rounds)
        finally:
            await console.kept.standings.close()
            await signed_out(engine)
    finally:
        await engine.dispose()
    return {
        "messages": plan.messages,
        "open_tickets": plan.open_tickets,
        "managers": plan.managers,
        "viewers": len(scopes),
        "loads": page.loads,
        "statements": page.statements,
        "page": "asgi",
        "page_p50_ms": page.p50_ms,
        "page_p95_ms": page.p95_ms,
        "floor_p50_ms": page.floor_p50_ms,
        "floor_p95_ms": page.floor_p95_ms,
        "ratio_p95": page.p95_ms / page.floor_p95_ms,
        "ratio_p50": page.p50_ms / page.floor_p50_ms,
        "list_p50_ms": lists.p50_ms,
        "list_p95_ms": lists.p95_ms,
        "list_floor_p95_ms": lists.floor_p95_ms,
        "list_ratio_p95": lists.p95_ms / lists.floor_p95_ms,
        "data_statements": data.statements,
        "data_p50_ms": data.p50_ms,
        "data_p95_ms": data.p95_ms,
        "data_floor_p95_ms": data.floor_p95_ms,
        "data_ratio_p95": data.p95_ms / data.floor_p95_ms,
    }


@dataclass(frozen=True)
class Timing:
    """A builder's loads and their floors, in milliseconds."""

    loads: int
    statements: int
    p50_ms: float
    p95_ms: float
    floor_p50_ms: float
    floor_p95_ms: float


async def _timed(
    engine: AsyncEngine,
    recorder: Recorder,
    db: Path,
    scopes: list[Scope],
    build: PageBuilder,
    rounds: int,
) -> Timing:
    """Load every viewer's page round after round, each beside its statements replayed bare."""
    captured: dict[str, list[Statement]] = {}
    pages: list[float] = []
    floors: list[float] = []
    async with engine.connect() as plain:
        conn = await plain.execution_options(reading=True)
        for scope in scopes:
            await build(conn, scope)  # warms last week's figures, unmeasured
            recorder.statements, recorder.on = [], True
            await build(conn, scope)
            recorder.on = False
            captured[scope.viewer_id] = recorder.statements
            await conn.rollback()
        for _ in range(rounds):
            for scope in scopes:
                floors.append(await asyncio.to_thread(replay, db, captured[scope.viewer_id]))
                with measure.Stopwatch() as page:
                    await build(conn, scope)
                pages.append(page.seconds)
                # A new read transaction per load, as each request gets its own.
                await conn.rollback()
    return Timing(
        loads=len(pages),
        statements=round(sum(len(s) for s in captured.values()) / max(len(captured), 1)),
        p50_ms=1000 * measure.median(pages),
        p95_ms=1000 * measure.percentile(pages, 95),
        floor_p50_ms=1000 * measure.median(floors),
        floor_p95_ms=1000 * measure.percentile(floors, 95),
    )


class StillClock:
    """Stand at the bench's moment, a minute before the week ends."""

    def now(self) -> datetime:
        """Return the bench's moment."""
        return NOW


def console_of(engine: AsyncEngine, team: Team) -> ConsoleServices:
    """Wire the console over the province as bot.app does, its clock standing still."""
    clock = StillClock()
    store = SqlStore(engine, clock)
    ctx = DeskContext(store, team, clock, province.POLICY, TZ, lambda _phone: None)
    return ConsoleServices(ConsoleSettings("http://console"), store, ctx, ConsoleAccess(store))


async def signed_in(console: ConsoleServices, scopes: list[Scope]) -> dict[str, dict[str, str]]:
    """Open a session for every viewer through the console's storage; return their cookies."""
    cookies: dict[str, dict[str, str]] = {}
    for scope in scopes:
        opened = await console.access.open_session(scope.viewer_id)
        cookies[scope.viewer_id] = {SESSION_COOKIE: opened.cookie}
    return cookies


async def signed_out(engine: AsyncEngine) -> None:
    """Remove the bench's sessions, so the kept province stays as it was generated."""
    async with engine.begin() as conn:
        await conn.execute(delete(console_sessions))


def team_of_plan(plan: Plan) -> Team:
    """Return the province's team from its generated config."""
    return team_of(ReportPlan(plan.messages, 1, plan.retailers, plan.managers, plan.supervisors))


def render(rows: list[dict[str, Any]]) -> str:
    """Render the figures as a Markdown table."""
    return measure.table(
        [
            "messages in the week",
            "open tickets",
            "page loads",
            "statements per page",
            "page p50 ms",
            "page p95 ms",
            "floor p50 ms",
            "floor p95 ms",
            "ratio p95",
            "list p95 ms",
            "list floor p95 ms",
            "list ratio p95",
            "figures p95 ms",
            "figures floor p95 ms",
            "figures ratio p95",
        ],
        [
            [
                f"{r['messages']:,}",
                f"{r['open_tickets']:,}",
                r["loads"],
                r["statements"],
                f"{r['page_p50_ms']:.0f}",
                f"{r['page_p95_ms']:.0f}",
                f"{r['floor_p50_ms']:.0f}",
                f"{r['floor_p95_ms']:.0f}",
                f"{r['ratio_p95']:.2f}",
                f"{r['list_p95_ms']:.0f}",
                f"{r['list_floor_p95_ms']:.0f}",
                f"{r['list_ratio_p95']:.2f}",
                f"{r['data_p95_ms']:.0f}",
                f"{r['data_floor_p95_ms']:.0f}",
                f"{r['data_ratio_p95']:.2f}",
            ]
            for r in rows
        ],
    )


def run(*, smoke: bool = False, rounds: int = 3) -> list[dict[str, Any]]:
    """Run the console benchmark and return its rows."""
    if smoke:
        plan = Plan(2_000, 1_000, 1, retailers=500, managers=20, supervisors=4)
    else:
        plan = Plan(1_000_000, 100_000, rounds)
    return measure.run_plans([plan], measure_plan, render)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--smoke", action="store_true", help="a tiny province, one round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--save", help="write the figures to bench/results/NAME.json")
    args = parser.parse_args()
    results = run(smoke=args.smoke, rounds=args.rounds)
    print(render(results))
    if args.save:
        print(measure.save(args.save, {args.save: results}))
