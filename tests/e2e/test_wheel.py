"""The package works installed as a package: a wheel in a fresh environment plays the demo."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def run(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    """Run a command to completion and return what it printed; fail the test on an error."""
    done = subprocess.run(
        argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


@pytest.mark.xdist_group("long")
def test_a_wheel_in_a_fresh_environment_plays_the_demo_and_checks_the_example(
    tmp_path: Path,
) -> None:
    # Built from the tracked files alone, offline, so nothing of this checkout's state leaks in.
    source = tmp_path / "source"
    tracked = run(["git", "ls-files", "-z"], REPO).split("\0")
    for name in filter(None, tracked):
        if (REPO / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, source / name)
    dist = tmp_path / "dist"
    wheel_args = ["wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", str(dist)]
    run([sys.executable, "-m", "pip", *wheel_args, "."], source)
    (wheel,) = dist.glob("retaildesk-*.whl")

    # A fresh environment takes the dependencies from this one's site-packages (a path line
    # processes no .pth there, so this checkout's editable install stays out) and the wheel.
    fresh = tmp_path / "fresh"
    # No pip of its own (ensurepip alone takes seconds): this one's pip installs into it.
    venv.EnvBuilder(with_pip=False).create(fresh)
    python = fresh / "bin" / "python"
    site = run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], tmp_path
    )
    Path(site.strip(), "dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    install = ["--python", str(python), "install", "--no-deps", "--no-index", str(wheel)]
    run([sys.executable, "-m", "pip", *install], tmp_path)

    env = {k: v for k, v in os.environ.items() if not k.startswith("RETAILDESK_")}
    where = run([str(python), "-c", "import bot; print(bot.__file__)"], tmp_path, env)
    assert where.strip().startswith(str(fresh)), where
    # The console's templates and static files travel in the wheel.
    files = "from handlers.console.rendering import HERE; print(sorted(HERE.glob('*/*.*')))"
    shipped = run([str(python), "-c", files], tmp_path, env)
    for name in ("templates/page.html", "templates/live.html", "static/console.js"):
        assert name in shipped, shipped
    demo = run([str(fresh / "bin" / "retaildesk"), "demo"], tmp_path, env)
    assert "RetailDesk demo" in demo
    assert "王经理：张老板您好" in demo
    example = fresh / "share" / "retaildesk" / "example" / "config.toml"
    check = run(
        [str(fresh / "bin" / "retaildesk"), "check", "--config", str(example)],
        tmp_path,
        {**env, "RETAILDESK_TELEGRAM__TOKEN": "123:abc"},
    )
    assert "config.toml: ok" in check
