"""Run the stand-in on its own: python -m handlers.telegram.standin --port N --token T."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

from handlers.telegram.standin.standin import Standin


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m handlers.telegram.standin", description=__doc__
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--token", default="123456:TEST-TOKEN")
    parser.add_argument("--bot-username", default="retaildesk_bot")
    parser.add_argument(
        "--lenient-chats",
        action="store_true",
        help="let the bot write to chats no user has opened",
    )
    return parser.parse_args(argv)


async def _serve(args: argparse.Namespace) -> None:
    tg = Standin(
        args.token,
        host=args.host,
        port=args.port,
        bot_username=args.bot_username,
        strict_chats=not args.lenient_chats,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with tg:
        # The first stdout line is the base_url so a parent process can read it.
        print(tg.base_url, flush=True)
        print(f"control API: {tg.url}/_standin/stats", file=sys.stderr, flush=True)
        await stop.wait()


def main(argv: list[str] | None = None) -> None:
    """Serve until SIGINT or SIGTERM."""
    asyncio.run(_serve(_parse(argv)))


if __name__ == "__main__":
    main()
