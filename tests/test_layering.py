"""Lower layers never import upper ones; the kernel imports only the standard library."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "src" / "dos"

# Each layer may import itself and the layers listed for it, nothing above.
ALLOWED = {
    "kernel": {"kernel"},
    "errors": set(),
    "exitcodes": set(),
    "config": {"errors", "exitcodes", "kernel"},
    "git": {"errors"},
    "procs": {"errors"},
    "progress": {"kernel", "errors", "git", "procs"},
    "plugins": {"kernel", "errors"},
    "store": {"store", "kernel", "errors", "config", "git", "exitcodes", "procs", "plugins"},
    "leases": {"store", "kernel", "errors", "config", "procs"},
    "doctor": {"kernel", "errors", "config", "git", "store", "exitcodes", "hooks"},
    "truth": {"kernel", "git", "config", "errors", "exitcodes", "truth_artifact", "truth_audit"},
    "truth_artifact": {"kernel", "git", "config", "errors"},
    "truth_audit": {"kernel", "git", "errors"},
}
SURFACES = {"cli", "hooks", "mcp", "tui", "drivers"}


def layer_of(path: Path) -> str:
    rel = path.relative_to(PKG)
    return rel.parts[0].removesuffix(".py") if len(rel.parts) > 1 or rel.name != "__init__.py" else "dos"


def dos_imports(path: Path) -> set[str]:
    """The first component under ``dos.`` of every import in PATH, including lazy ones."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names if node.module == "dos"]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "dos" and len(parts) > 1 and not parts[1].startswith("__"):
                found.add(parts[1])
    return found


MODULES = sorted(p for p in PKG.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PKG)))
def test_module_imports_point_downward(path: Path) -> None:
    """A module imports only its own layer and the layers below it."""
    layer = layer_of(path)
    if layer in SURFACES or layer in ("dos", "__main__"):
        return  # surfaces sit on top and may import any layer
    allowed = ALLOWED.get(layer)
    assert allowed is not None, f"{path.name}: layer {layer!r} is not in the layering table"
    bad = dos_imports(path) - allowed - {layer}
    assert not bad, f"{path.relative_to(PKG)} ({layer}) imports upper layer(s) {sorted(bad)}"


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
            if root == "dos":
                continue
            assert root in sys.stdlib_module_names or root == "__future__", f"{path.name} imports {root}"


def test_surfaces_are_not_imported_by_lower_layers_at_all() -> None:
    """A sanity check on the table itself: no lower layer lists a surface."""
    for layer, allowed in ALLOWED.items():
        assert not (allowed & (SURFACES - {"hooks"})), layer
        if layer != "doctor":
            assert "hooks" not in allowed, layer
