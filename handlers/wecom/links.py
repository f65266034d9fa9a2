"""Retailers' personal 微信客服 links: the account's link with a signed scene_param, as QR codes."""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import segno

from desk.people import Retailer, Team
from handlers.wecom.api import WecomApi
from handlers.wecom.scene import sign

# The scene add_contact_way seals into the account's link; the retailer rides in scene_param.
LINK_SCENE = "retaildesk"
INDEX = "links.csv"
COLUMNS = ("retailer_id", "name", "shop", "manager", "link", "png")


@dataclass(frozen=True)
class PersonalLink:
    """One retailer's link and the QR code file that carries it."""

    retailer: Retailer
    manager: str
    link: str
    png: str


def personal_link(account_link: str, link_secret: str, retailer_id: str) -> str:
    """Return the account's link naming one retailer in a signed scene_param."""
    joiner = "&" if "?" in account_link else "?"
    return f"{account_link}{joiner}scene_param={quote(sign(link_secret, retailer_id), safe='')}"


def _file_name(retailer_id: str) -> str:
    # Roster ids are short codes; anything odd in one becomes "_", so it stays a plain name.
    return re.sub(r"[^0-9A-Za-z_-]", "_", retailer_id) + ".png"


async def account_link(api: WecomApi, open_kfid: str) -> str:
    """Ask WeCom for the kf account's link that personal links are made from."""
    return await api.kf_add_contact_way(open_kfid, LINK_SCENE)


def write_links(
    account: str,
    link_secret: str,
    retailers: Sequence[Retailer],
    team: Team,
    out: Path,
) -> list[PersonalLink]:
    """Write a QR code PNG per retailer and an index CSV into `out`; return what was written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for retailer in retailers:
        link = personal_link(account, link_secret, retailer.id)
        png = _file_name(retailer.id)
        # Medium error correction survives a crease in a printed code; 8-pixel modules print well.
        segno.make(link, error="m", micro=False).save(str(out / png), kind="png", scale=8, border=4)
        written.append(PersonalLink(retailer, team.name_of(retailer.manager_id), link, png))
    with (out / INDEX).open("w", encoding="utf-8-sig", newline="") as index:
        # utf-8-sig: spreadsheet programs on Windows then read the Chinese names right.
        rows = csv.writer(index)
        rows.writerow(COLUMNS)
        for entry in written:
            r = entry.retailer
            rows.writerow((r.id, r.name, r.shop, entry.manager, entry.link, entry.png))
    return written
