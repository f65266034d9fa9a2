"""`retaildesk`: what loading the command brings into every subcommand's process, `run`'s too."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# The demos and their stand-ins, and the QR code writer of `retaildesk wecom links`.
OWN_SUBCOMMAND_ONLY = (
    "bot.demo",
    "bot.wecom_demo",
    "handlers.telegram.standin",
    "handlers.wecom.standin",
    "bot.links",
    "segno",
)


def test_the_demos_and_the_links_command_load_only_when_run() -> None:
    listing = "import sys, bot.cli; print('\\n'.join(sys.modules))"
    loaded = subprocess.run(
        [sys.executable, "-c", listing], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    assert "bot.commands" in loaded
    assert [name for name in OWN_SUBCOMMAND_ONLY if name in loaded] == []
