"""The `retaildesk` command: run, demo, check, migrate, roster import, report, status."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from bot import commands, guide_admin, logs
from bot.problems import ConfigError

Command = Callable[[argparse.Namespace], Coroutine[Any, Any, int]]


def parser() -> argparse.ArgumentParser:
    """Describe the command line."""
    root = argparse.ArgumentParser(prog="retaildesk", description=__doc__)
    root.add_argument("-v", "--verbose", action="store_true", help="log debug detail")
    sub = root.add_subparsers(dest="command", required=True)

    def with_config(name: str, text: str) -> argparse.ArgumentParser:
        command = sub.add_parser(name, help=text, description=text)
        command.add_argument("--config", type=Path, default=Path("config.toml"), help="config file")
        return command

    with_config("run", "run the bot (long polling)")
    serving = with_config("serve", "serve the Telegram webhook (several workers on PostgreSQL)")
    serving.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    # Set by `serve` itself on the worker processes it starts.
    serving.add_argument("--worker-fd", type=int, help=argparse.SUPPRESS)
    serving.add_argument(
        "--listen-fd",
        type=int,
        metavar="FD",
        help="serve on this inherited listening socket instead of binding serve.host:serve.port",
    )
    serving.add_argument(
        "--metrics-fd",
        type=int,
        metavar="FD",
        help="serve /healthz and /metrics on this inherited listening socket",
    )
    with_config("check", "validate the config and the roster")
    with_config("migrate", "create or upgrade the database schema")
    with_config("status", "show open tickets, the outbox backlog and the last error")
    report = with_config("report", "print a weekly response-time summary")
    report.add_argument("--week", help="ISO week such as 2026-W47 (default: last week)")
    report.add_argument("--format", choices=("text", "csv", "png"), default="text")
    report.add_argument("--out", type=Path, help="write to a file instead of stdout")
    report.add_argument(
        "--lang",
        choices=("zh", "en"),
        help="the report's language (default: Chinese text and chart, English CSV column names)",
    )
    demo = sub.add_parser("demo", help="play a short story offline against a local stand-in")
    demo.add_argument(
        "--channel", choices=("telegram", "wecom"), default="telegram", help="whose stand-in"
    )
    demo.add_argument(
        "--console",
        action="store_true",
        help="then serve the console and print a one-time link for the supervisor, until Ctrl-C",
    )
    drafts = with_config("guide", "list the guide drafts managers saved, or decide one")
    drafts.add_argument("action", choices=("drafts", "approve", "reject"))
    drafts.add_argument("draft", type=int, nargs="?", help="the draft's number")
    drafts.add_argument(
        "--question", help="approve: the question as the guide shows it, in your own words"
    )
    roster = sub.add_parser("roster", help="manage the retailer roster")
    roster_sub = roster.add_subparsers(dest="roster_command", required=True)
    importing = roster_sub.add_parser("import", help="import retailers from a CSV file")
    importing.add_argument("file", type=Path)
    importing.add_argument("--config", type=Path, default=Path("config.toml"))
    wecom = sub.add_parser("wecom", help="WeChat: retailers' personal 微信客服 links")
    wecom_sub = wecom.add_subparsers(dest="wecom_command", required=True)
    linking = wecom_sub.add_parser(
        "links", help="write each roster retailer's personal link, its QR code PNG and a CSV index"
    )
    linking.add_argument("--config", type=Path, default=Path("config.toml"))
    linking.add_argument(
        "--out", type=Path, required=True, help="folder for the PNGs and links.csv"
    )
    return root


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; configuration errors are printed plainly, never as tracebacks."""
    # Opt in to python-telegram-bot's timedelta retry_after (its future default).
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    args = parser().parse_args(argv)
    logs.configure(args.verbose)
    command = _commands()[args.command]
    try:
        return asyncio.run(command(args))
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    except SQLAlchemyError as error:
        # The database is missing, locked or unreachable: say so plainly, without SQL values.
        cause = error.orig if isinstance(error, DBAPIError) else error
        reason = str(cause).splitlines()[0]
        print(f"storage error: {reason}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _commands() -> dict[str, Command]:
    return {
        "run": commands.run,
        "serve": commands.serve_webhook,
        "check": commands.check,
        "migrate": commands.migrate,
        "status": commands.status,
        "report": commands.report,
        "demo": commands.demo,
        "roster": commands.roster_import,
        "guide": guide_admin.guide,
        "wecom": commands.wecom_links,
    }


if __name__ == "__main__":
    raise SystemExit(main())
