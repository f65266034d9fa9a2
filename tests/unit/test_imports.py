"""The import contract: which product package may import which, read from the source with ast.

Every import counts, at module level or inside a function, so a cycle cannot hide behind a
lazy import. Imports under `if TYPE_CHECKING:` count for every rule but the cycles: they name
a type for the checker and never run.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("bot", "desk", "handlers", "storage", "escalation", "reports")
# Folders under handlers/ that every channel shares; any other folder there is one channel.
# The console is a web page every channel links to, not a channel of its own.
SHARED_HANDLERS = {"catalog", "console"}
TELEGRAM_LIBRARY = "telegram"
CHANNEL_NAMES = re.compile(r"telegram|wecom", re.IGNORECASE)


@dataclass(frozen=True)
class Import:
    """One import statement: the module that makes it, the module it names, and where."""

    importer: str
    imported: str
    line: int
    typing_only: bool = False

    def __str__(self) -> str:
        return f"{self.importer}:{self.line} imports {self.imported}"


def module_name(path: Path) -> str:
    """Return the dotted name of a source file under the repository root."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def sources() -> dict[str, Path]:
    """Return every product module by dotted name (migration scripts are Alembic's, not ours)."""
    found = {}
    for package in PRODUCT:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.relative_to(ROOT).parts:
                continue
            found[module_name(path)] = path
    return found


def imports_of(name: str, path: Path) -> Iterator[Import]:
    """Yield every module one source file imports, wherever the statement stands."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    typing_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING")
        for statement in node.body
        for inner in ast.walk(statement)
    }
    for node in ast.walk(tree):
        checker = id(node) in typing_only
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(name, alias.name, node.lineno, checker)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                # `from pkg import mod` imports the module pkg.mod when there is one.
                inner = f"{base}.{alias.name}"
                yield Import(name, inner if inner in sources() else base, node.lineno, checker)


@cache
def all_imports() -> tuple[Import, ...]:
    """Return every import made by product code."""
    return tuple(found for name, path in sources().items() for found in imports_of(name, path))


def top(module: str) -> str:
    """Return the top-level package of a dotted name."""
    return module.partition(".")[0]


def channel_of(module: str) -> str | None:
    """Return the channel folder a module belongs to (handlers/<channel>/), if any."""
    parts = module.split(".")
    if parts[0] != "handlers" or len(parts) < 3 or parts[1] in SHARED_HANDLERS:
        return None
    # handlers/<name>/ is a folder: a top-level module such as handlers/channel.py is shared.
    return parts[1] if (ROOT / "handlers" / parts[1]).is_dir() else None


def test_desk_imports_only_the_standard_library_and_itself() -> None:
    wrong = [
        str(found)
        for found in all_imports()
        if top(found.importer) == "desk"
        and top(found.imported) != "desk"
        and top(found.imported) not in sys.stdlib_module_names
    ]
    assert wrong == []


def test_desk_names_no_channel() -> None:
    named = [
        f"{module}:{number}"
        for module, path in sources().items()
        if top(module) == "desk"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if CHANNEL_NAMES.search(line)
    ]
    assert named == []


def test_only_the_telegram_channel_imports_python_telegram_bot() -> None:
    wrong = [
        str(found)
        for found in all_imports()
        if top(found.imported) == TELEGRAM_LIBRARY and channel_of(found.importer) != "telegram"
    ]
    assert wrong == []


def test_nothing_outside_bot_imports_bot() -> None:
    wrong = [
        str(found)
        for found in all_imports()
        if top(found.imported) == "bot" and top(found.importer) != "bot"
    ]
    assert wrong == []


def test_channels_do_not_import_each_other() -> None:
    wrong = [
        str(found)
        for found in all_imports()
        if channel_of(found.importer) is not None
        and channel_of(found.imported) not in {None, channel_of(found.importer)}
    ]
    assert wrong == []


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Return the strongly connected components with more than one member (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(edges.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles_among_product_modules() -> None:
    edges: dict[str, set[str]] = {}
    for found in all_imports():
        if found.typing_only:
            continue
        if found.imported in sources() and found.imported != found.importer:
            edges.setdefault(found.importer, set()).add(found.imported)
    assert cycles(edges) == []


def package_of(module: str) -> str:
    """Return the unit the layering speaks of: a channel folder, or a top-level package."""
    channel = channel_of(module)
    return f"handlers.{channel}" if channel is not None else top(module)


def test_no_import_cycles_among_product_packages() -> None:
    edges: dict[str, set[str]] = {}
    for found in all_imports():
        if found.imported in sources() and not found.typing_only:
            importer, imported = package_of(found.importer), package_of(found.imported)
            if importer != imported:
                edges.setdefault(importer, set()).add(imported)
    assert cycles(edges) == []


def test_the_contract_sees_the_imports_it_rules_on() -> None:
    # A rule that reads no imports would pass on anything; these are known to be there.
    made = {(found.importer, found.imported) for found in all_imports()}
    assert ("bot.app", "desk.service") in made
    assert any(top(imported) == TELEGRAM_LIBRARY for _, imported in made)
    assert channel_of("handlers.telegram.courier") == "telegram"
    assert channel_of("handlers.catalog.zh") is None
