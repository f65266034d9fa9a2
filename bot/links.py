"""`retaildesk wecom links`: personal 微信客服 links and QR codes for every roster retailer."""

from __future__ import annotations

import asyncio
import os
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from bot.config import Settings
from bot.environment import ENV_PREFIX
from bot.problems import ConfigError, Problem
from bot.roster import load_roster
from desk.clock import SystemClock
from handlers.wecom.api import DEFAULT_BASE_URL, WecomApi
from handlers.wecom.errcodes import WecomApiError
from handlers.wecom.links import INDEX, account_link, write_links

SECTION = "wecom"


@dataclass(frozen=True)
class LinkSettings:
    """What the links need from [wecom]: the app to call WeCom as, the kf account, the secret."""

    corp_id: str
    agent_id: int
    secret: str
    open_kfid: str
    link_secret: str
    api_base_url: str = DEFAULT_BASE_URL


def read_link_settings(
    path: Path, env: Mapping[str, str] | None = None
) -> tuple[Settings, LinkSettings]:
    """Read the config and its [wecom] keys the links need; raise ConfigError naming each gap."""
    # [wecom] is read here, by hand, until bot/config.py validates it with the rest.
    file = str(path)
    try:
        mapping: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigError([Problem(file, "", str(error))]) from None
    section = dict(mapping.pop(SECTION, None) or {})
    environ = dict(os.environ if env is None else env)
    prefix = f"{ENV_PREFIX}{SECTION.upper()}__"
    for name, value in environ.items():
        if name.startswith(prefix) and value:
            section[name.removeprefix(prefix).lower()] = value
    rest = {k: v for k, v in environ.items() if not k.startswith(prefix)}
    settings = Settings.from_mapping(mapping, rest, file=file, config_dir=path.parent)
    needed = ("corp_id", "agent_id", "secret", "open_kfid", "link_secret")
    problems = [
        Problem(file, f"{SECTION}.{key}", f"missing; set it or env {prefix}{key.upper()}")
        for key in needed
        if not section.get(key)
    ]
    if problems:
        raise ConfigError(problems)
    try:
        agent_id = int(section["agent_id"])
    except ValueError:
        raise ConfigError([Problem(file, f"{SECTION}.agent_id", "must be a number")]) from None
    found = LinkSettings(
        corp_id=str(section["corp_id"]),
        agent_id=agent_id,
        secret=str(section["secret"]),
        open_kfid=str(section["open_kfid"]),
        link_secret=str(section["link_secret"]),
        api_base_url=str(section.get("api_base_url") or DEFAULT_BASE_URL),
    )
    return settings, found


async def links(config: Path, out: Path, env: Mapping[str, str] | None = None) -> int:
    """Write every roster retailer's link and QR code into `out`, with an index CSV."""
    settings, wecom = read_link_settings(config, env)
    roster = load_roster(settings)
    if roster is None:
        raise ConfigError([Problem(str(config), "roster.retailers_csv", "names no roster to link")])
    async with aiohttp.ClientSession() as session:
        api = WecomApi(
            session,
            corp_id=wecom.corp_id,
            secret=wecom.secret,
            agent_id=wecom.agent_id,
            clock=SystemClock(),
            base_url=wecom.api_base_url,
        )
        try:
            account = await account_link(api, wecom.open_kfid)
        except WecomApiError as error:
            # A wrong secret (40001) or an untrusted IP (60020): said plainly, no traceback.
            print(f"WeCom refused: {error}", file=sys.stderr)
            return 1
    written = await asyncio.to_thread(
        write_links, account, wecom.link_secret, roster.retailers, settings.team(), out
    )
    print(f"{len(written)} links written to {out / INDEX}, one QR code PNG each")
    return 0
