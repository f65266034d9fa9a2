"""What each `retaildesk` subcommand does."""

from __future__ import annotations

import argparse
import asyncio
import socket
import sys
from pathlib import Path

import uvicorn
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from bot.app import RetailDesk, build, serve
from bot.config import Settings, channel_problems, hide_password, load_settings, redacted
from bot.guidebook import guide_problems
from bot.listeners import bind, server_config
from bot.problems import ConfigError, Problem
from bot.progress import terminal_progress
from bot.reporting import print_report
from bot.roster import check as roster_check
from bot.roster import read_roster, summary
from bot.serving import command as serve_command
from bot.signals import install_stop_signals
from bot.web import callbacks_app, console_served_at
from desk.clock import SystemClock
from handlers.channel import InboundHeldError
from storage.engine import async_url, make_engine
from storage.migrate import at_head, upgrade
from storage.outbox import Outbox
from storage.roster import import_retailers, unconverted_phones
from storage.store import SqlStore
from storage.tables import tickets
from storage.trouble import brief
from storage.vitals import read_troubles


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(args.config)


def _store(settings: Settings) -> SqlStore:
    return SqlStore(make_engine(settings.storage.url, settings.config_dir), SystemClock())


async def run(args: argparse.Namespace) -> int:
    """Run the bot until SIGTERM or SIGINT."""
    settings = _settings(args)
    if problems := channel_problems(settings):
        raise ConfigError(problems)
    # The console, and WeCom's callbacks, are served even while Telegram is polled; bound
    # first, so a taken port stops the start.
    listening = bind(settings, settings.serve.host, settings.serve.port, "serve.port")
    app = build(settings)
    console_served_at(app, listening)
    stop = asyncio.Event()
    install_stop_signals(stop)
    try:
        await _serve_with_callbacks(app, stop, listening)
    except InboundHeldError as error:
        print(error, file=sys.stderr)
        return 1
    except (SQLAlchemyError, OSError) as error:
        return _storage_trouble(settings, error)
    return 0


async def _serve_with_callbacks(app: RetailDesk, stop: asyncio.Event, sock: socket.socket) -> None:
    """Run the desk and, beside it, the web server of the console and WeCom's callbacks."""
    server = uvicorn.Server(server_config(callbacks_app(app)))
    web = asyncio.create_task(server.serve([sock]), name="callbacks")
    desk = asyncio.create_task(serve(app, stop), name="desk")
    await asyncio.wait([web, desk], return_when=asyncio.FIRST_COMPLETED)
    # Stop taking callbacks first, so every one WeCom was answered for is in the inbox.
    server.should_exit = True
    await asyncio.gather(web, return_exceptions=True)
    stop.set()
    try:
        await desk
    finally:
        sock.close()


def _storage_trouble(settings: Settings, error: BaseException) -> int:
    """Say plainly that the database could not be used, without the password or a traceback."""
    where = hide_password(settings.storage.url)
    print(f"storage error at {where}: {brief(error)}", file=sys.stderr)
    return 1


async def serve_webhook(args: argparse.Namespace) -> int:
    """Serve the Telegram webhook with one or more workers until SIGTERM or SIGINT."""
    return await serve_command(args)


async def check(args: argparse.Namespace) -> int:
    """Validate the config, roster and guide as run would; print every problem with its place."""
    # The config's problems and, wherever the team can still be read, the roster's.
    problems = roster_check(args.config)
    try:
        settings = load_settings(args.config)
    except ConfigError:
        raise ConfigError(problems) from None
    # What run would refuse to start on is a problem here too, not a surprise at start.
    problems = [*channel_problems(settings), *problems, *guide_problems(settings.guide_path())]
    problems += await _stored_phone_problems(settings)
    if problems:
        raise ConfigError(problems)
    print(redacted(settings))
    print(summary(args.config))
    return 0


async def _stored_phone_problems(settings: Settings) -> list[Problem]:
    """Name each retailer whose stored phone the upgrade to E.164 could not read."""
    if _no_sqlite_file(settings):
        return []  # Nothing stored yet, and check never creates the file.
    store = _store(settings)
    try:
        # Before the upgrade every phone is national digits; the upgrade converts them.
        if not await at_head(store.engine):
            return []
        kept = await unconverted_phones(store)
    except (SQLAlchemyError, OSError) as error:
        # check reads the config without a database; say what went unchecked, and why.
        where = hide_password(settings.storage.url)
        print(f"{where}: stored phones not checked: {brief(error)}", file=sys.stderr)
        return []
    finally:
        await store.dispose()
    region = settings.roster.default_region
    return [
        Problem(
            hide_password(settings.storage.url),
            f"retailer {retailer_id}",
            f"stored phone {phone!r} is no valid number (read in CN when stored phones became "
            f"E.164), so no shared contact can find this retailer; correct their phone in the "
            f"roster (default_region {region}) and run `retaildesk roster import`",
        )
        for retailer_id, phone in kept
    ]


def _no_sqlite_file(settings: Settings) -> bool:
    """Tell whether the storage is a SQLite file that does not exist yet."""
    database = make_url(async_url(settings.storage.url, settings.config_dir)).database
    return settings.storage.url.startswith("sqlite") and not (database and Path(database).is_file())


async def migrate(args: argparse.Namespace) -> int:
    """Create or upgrade the schema."""
    settings = _settings(args)
    store = _store(settings)
    try:
        with terminal_progress("migrate", "revision") as progress:
            await upgrade(store.engine, progress=progress)
    except (SQLAlchemyError, OSError) as error:
        return _storage_trouble(settings, error)
    finally:
        await store.dispose()
    print("schema is up to date")
    return 0


async def roster_import(args: argparse.Namespace) -> int:
    """Import retailers from a CSV file, keeping links already made."""
    settings = _settings(args)
    with terminal_progress("roster check", "row") as progress:
        roster = read_roster(args.file, settings.team(), settings.dialling(), progress)
    store = _store(settings)
    try:
        await upgrade(store.engine)
        with roster.clashes_located(), terminal_progress("roster import", "row") as progress:
            result = await import_retailers(store, roster.retailers, store.clock.now(), progress)
    except (SQLAlchemyError, OSError) as error:
        return _storage_trouble(settings, error)
    finally:
        await store.dispose()
    print(roster.outcome(result))
    return 0


async def status(args: argparse.Namespace) -> int:
    """Print open tickets, the outbox backlog, its oldest message and the last error."""
    settings = _settings(args)
    store = _store(settings)
    try:
        await upgrade(store.engine)
        backlog = await Outbox(store).backlog()
        async with store.reading() as conn:
            open_count = await conn.scalar(
                select(func.count()).select_from(tickets).where(tickets.c.status == "open")
            )
            troubles = await read_troubles(conn)
    except (SQLAlchemyError, OSError) as error:
        return _storage_trouble(settings, error)
    finally:
        await store.dispose()
    print(f"open tickets: {open_count}")
    print(f"outbox backlog: {backlog.pending}")
    print(f"oldest undelivered: {backlog.oldest.isoformat() if backlog.oldest else '-'}")
    print(f"last error: {backlog.last_error or '-'}")
    # Each was set aside on its own so that everything else went on; the rows say why.
    print(f"updates parked as unreadable: {troubles.parked_updates}")
    print(f"outbox rows failed: {troubles.failed_sends}")
    print(f"escalations set aside: {troubles.stuck_escalations}")
    return 0


async def report(args: argparse.Namespace) -> int:
    """Print the weekly summary."""
    settings = _settings(args)
    try:
        return await print_report(settings, args.week, args.format, args.out, args.lang)
    except (SQLAlchemyError, OSError) as error:
        return _storage_trouble(settings, error)


async def demo(args: argparse.Namespace) -> int:
    """Play the offline demo story."""
    # Imported here: the demos bring both stand-ins, 2 MB that `run` would carry unused.
    from bot.demo import play
    from bot.wecom_demo import play_wecom

    if args.channel == "wecom":
        return await play_wecom()
    return await play(console=args.console)


async def wecom_links(args: argparse.Namespace) -> int:
    """Write every roster retailer's personal 微信客服 link and QR code."""
    # Imported here: its QR code writer serves this command alone.
    from bot.links import links

    return await links(args.config, args.out)
