"""`retaildesk wecom links` against the WeCom stand-in: a signed link and a QR code per retailer."""

from __future__ import annotations

import csv
import tomllib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import segno

from bot.cli import parser
from bot.commands import wecom_links
from bot.links import read_link_settings
from bot.problems import ConfigError
from handlers.wecom.scene import verify
from handlers.wecom.standin import WecomStandin
from tests.unit.fakes import FakeClock

ROOT = Path(__file__).resolve().parents[2]
LINK_SECRET = "links-test-secret"


@pytest.fixture
async def standin() -> AsyncIterator[WecomStandin]:
    async with WecomStandin(FakeClock(datetime(2026, 12, 7, 3, 0, tzinfo=UTC))) as running:
        yield running


def write_config(folder: Path, standin: WecomStandin, **wecom: object) -> Path:
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    section = {
        "corp_id": standin.corp_id,
        "agent_id": standin.agent_id,
        "secret": standin.secret,
        "open_kfid": standin.open_kfids[0],
        "link_secret": LINK_SECRET,
        "api_base_url": standin.base_url,
        **wecom,
    }
    lines = [
        f"{key} = {value!r}" if isinstance(value, str) else f"{key} = {value}"
        for key, value in section.items()
        if value is not None
    ]
    config = folder / "config.toml"
    config.write_text(
        text + "\n[wecom]\n" + "\n".join(lines).replace("'", '"') + "\n", encoding="utf-8"
    )
    (folder / "retailers.csv").write_bytes((ROOT / "retailers.csv").read_bytes())
    return config


async def test_every_retailer_gets_a_link_whose_scene_names_them_and_a_qr_code(standin, tmp_path):
    config = write_config(tmp_path, standin)
    out = tmp_path / "links"
    args = parser().parse_args(["wecom", "links", "--config", str(config), "--out", str(out)])

    assert await wecom_links(args) == 0

    with (out / "links.csv").open(encoding="utf-8-sig", newline="") as index:
        rows = list(csv.DictReader(index))
    roster = list(csv.DictReader((ROOT / "retailers.csv").read_text(encoding="utf-8").splitlines()))
    assert [row["retailer_id"] for row in rows] == [r["id"] for r in roster]
    assert rows[0]["name"] == "张伟" and rows[0]["manager"] == "李经理"
    for row in rows:
        link = urlsplit(row["link"])
        query = parse_qs(link.query)
        (scene,) = query["scene_param"]
        assert verify(LINK_SECRET, scene) == row["retailer_id"]
        assert verify("another-secret", scene) is None
        (sealed,) = query["enc_scene"]
        assert standin.kf.scenes[sealed] == "retaildesk"
        png = out / row["png"]
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # The code carries exactly the link: the same symbol segno makes from it.
    first = rows[0]
    expected = tmp_path / "expected.png"
    segno.make(first["link"], error="m", micro=False).save(
        str(expected), kind="png", scale=8, border=4
    )
    assert (out / first["png"]).read_bytes() == expected.read_bytes()


async def test_a_missing_link_secret_is_named_with_its_key(standin, tmp_path):
    config = write_config(tmp_path, standin, link_secret=None)

    with pytest.raises(ConfigError) as raised:
        read_link_settings(config, env={})

    assert "wecom.link_secret" in str(raised.value)


async def test_secrets_may_come_from_the_environment(standin, tmp_path):
    config = write_config(tmp_path, standin, link_secret=None, secret=None)

    _, found = read_link_settings(
        config,
        env={"RETAILDESK_WECOM__LINK_SECRET": "from-env", "RETAILDESK_WECOM__SECRET": "s"},
    )

    assert (found.link_secret, found.secret) == ("from-env", "s")
    assert tomllib.loads(config.read_text(encoding="utf-8"))["wecom"].get("secret") is None


async def test_a_refused_secret_is_said_plainly(standin, tmp_path, capsys):
    config = write_config(tmp_path, standin, secret="wrong")
    args = parser().parse_args(
        ["wecom", "links", "--config", str(config), "--out", str(tmp_path / "o")]
    )

    assert await wecom_links(args) == 1
    assert "40001" in capsys.readouterr().err
