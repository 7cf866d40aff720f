"""The import structure: the core imports no platform SDK, and no package imports itself in a loop.

Imports inside ``if TYPE_CHECKING:`` and inside functions do not count (they run later or never);
every other import does, so a cycle here is one Python resolves by luck of import order.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("core", "adapters", "bots")
SDKS = ("discord", "telegram", "slack_bolt", "slack_sdk", "aiohttp", "httpx")


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _top_level_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    out: list[ast.Import | ast.ImportFrom] = []
    todo: list[ast.stmt] = list(tree.body)
    while todo:
        node = todo.pop(0)
        if isinstance(node, ast.Import | ast.ImportFrom):
            out.append(node)
        elif isinstance(node, ast.If) and not _is_type_checking(node):
            todo += node.body + node.orelse
        elif isinstance(node, ast.Try):
            todo += node.body + node.orelse + node.finalbody
            for handler in node.handlers:
                todo += handler.body
    return out


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in _top_level_imports(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = node.module or ""
                targets = [
                    f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base
                    for a in node.names
                ]
            graph[name] |= {t for t in targets if t in modules and t != name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = [0]
    sys.setrecursionlimit(10000)

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return out


def test_no_import_cycles_in_core_adapters_or_bots() -> None:
    assert _cycles(_graph()) == []


def test_the_core_imports_no_platform_sdk() -> None:
    graph = _graph()
    for name, path in _modules().items():
        if not name.startswith("core"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                roots = [a.name.split(".")[0] for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                roots = [(node.module or "").split(".")[0]]
            else:
                continue
            assert not set(roots) & {
                "discord",
                "telegram",
                "slack_bolt",
                "slack_sdk",
                "adapters",
                "bots",
            }, name
    assert graph  # the walk found the packages


def _first_imports() -> list[str]:
    """Modules something may import first: the entry points, each feature and its tables."""
    modules = _modules()
    features = sorted(
        {n.split(".")[1] for n in modules if n.startswith("core.") and n.count(".") >= 2}
    )
    names = [
        "core.features",
        "core.models",
        "core.app",
        "core.context",
        "core.commands",
        "bots.cli",
    ]
    for feature in features:
        names += [
            n
            for n in (f"core.{feature}", f"core.{feature}.models", f"core.{feature}.commands")
            if n in modules
        ]
    return names


def test_each_feature_and_entry_point_imports_first_in_a_fresh_interpreter() -> None:
    """Whatever is imported first (a test, Alembic, a CLI command), import order cannot break it."""
    names = _first_imports()
    assert "core.cpd.models" in names and "core.identity" in names
    running = [
        (
            name,
            subprocess.Popen(
                [sys.executable, "-c", f"import {name}"],
                cwd=ROOT,
                stderr=subprocess.PIPE,
                text=True,
            ),
        )
        for name in names
    ]
    failed = []
    for name, process in running:
        _out, err = process.communicate(timeout=300)
        if process.returncode:
            failed.append((name, err.strip().splitlines()[-1]))
    assert failed == []
