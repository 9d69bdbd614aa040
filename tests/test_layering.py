"""Imports point one way (surfaces, then service, then store, then kernel), and nothing imports in a circle.

The table says, for each package or top-level module, what it may import. Lazy imports
inside functions count the same as top-level ones.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "src" / "dos"

BOTTOM = {"errors", "exitcodes", "_version", "files"}
LAYERS: dict[str, set[str]] = {
    "_version": set(),
    "files": set(),
    "exitcodes": set(),
    "testing": set(),
    "errors": {"exitcodes"},
    "kernel": set(),
    "dos": {"kernel", "leases", "_version"},  # the package's lazy public names
    "config": {"kernel", *BOTTOM},
    "git": set(BOTTOM),
    "procs": set(BOTTOM),
    "plugins": {"kernel", *BOTTOM},
    "store": {"kernel", "config", "procs", *BOTTOM},
    "exporters": {"kernel", *BOTTOM},  # transports for `dos export` (plugins: dos.exporters)
    "notifiers": {"kernel", *BOTTOM},  # transports for `dos notify` (plugins: dos.notifiers)
    "service": {"store", "kernel", "config", "git", "procs", "plugins", "exporters", "notifiers", *BOTTOM},
    # the surfaces: they parse, call the service and render; they never reach the store or git directly
    "leases": {"service", "store", "kernel", "config", *BOTTOM},
    "cli": {"service", "kernel", "config", "plugins", "procs", "hooks", "mcp", "tui", "web", *BOTTOM},
    "hooks": {"service", "kernel", "config", *BOTTOM},
    "mcp": {"service", "kernel", "config", *BOTTOM},
    "tui": {"service", "kernel", "config", *BOTTOM},
    "web": {"service", "kernel", "config", *BOTTOM},
    "__main__": {"cli"},
}


def layer_of(path: Path) -> str:
    rel = path.relative_to(PKG)
    return rel.parts[0].removesuffix(".py") if len(rel.parts) > 1 or rel.name != "__init__.py" else "dos"


def module_of(path: Path) -> str:
    rel = path.relative_to(PKG.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = sorted(PKG.rglob("*.py"))
NAMES = {module_of(p): p for p in MODULES}


def imported(path: Path) -> set[str]:
    """Every ``dos`` module PATH imports (top-level or lazy); ``from pkg import sub`` counts as ``pkg.sub``."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("dos."))
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and (
                node.module == "dos" or node.module.startswith("dos.")):
            subs = {f"{node.module}.{a.name}" for a in node.names} & set(NAMES)
            found.update(subs)
            if len(subs) < len(node.names):
                found.add(node.module)
    return found


def _layer(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else "dos"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PKG)))
def test_module_imports_point_downward(path: Path) -> None:
    """A module imports its own layer and the layers the table allows it, nothing above."""
    layer = layer_of(path)
    assert layer in LAYERS, f"{path.relative_to(PKG)}: layer {layer!r} is not in the table"
    bad = {_layer(m) for m in imported(path) if m in NAMES} - LAYERS[layer] - {layer}
    assert not bad, f"{path.relative_to(PKG)} ({layer}) imports {sorted(bad)}"


@pytest.mark.parametrize("path", sorted((PKG / "kernel").rglob("*.py")), ids=lambda p: p.name)
def test_kernel_imports_only_stdlib(path: Path) -> None:
    """The kernel is pure: standard library and kernel siblings only."""
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots = [a.name.split(".")[0] for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots = [node.module.split(".")[0]]
        else:
            continue
        for root in roots:
            assert root == "dos" or root in sys.stdlib_module_names or root == "__future__", f"{path.name}: {root}"


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for name, path in NAMES.items():
        deps = set()
        for target in imported(path):
            if target in NAMES and target != name:
                deps.add(target)
        graph[name] = deps
    return graph


def test_no_import_cycle() -> None:
    """No module reaches itself through its imports (lazy ones included)."""
    graph = _graph()
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                cycle = stack[stack.index(dep):] + [dep]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if dep not in state:
                visit(dep)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
