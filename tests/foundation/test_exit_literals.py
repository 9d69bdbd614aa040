"""No exit code is written as a literal outside ``dos.exitcodes``: verbs return names from the table."""

from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parents[2] / "src" / "dos"
SURFACES = ("cli", "hooks", "mcp", "tui", "web")


def _exit_functions(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and (
                node.name.startswith("run_") or node.name in ("main", "_run", "run", "launch")):
            yield node


def _literal_int(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) is int


def offenders() -> list[str]:
    out = []
    for path in sorted(PKG.rglob("*.py")):
        rel = path.relative_to(PKG)
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):  # sys.exit(3) / SystemExit(3) / os._exit(3), anywhere
            if isinstance(node, ast.Call) and node.args and _literal_int(node.args[0]):
                f = node.func
                name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
                if name in ("exit", "_exit", "SystemExit"):
                    out.append(f"{rel}:{node.lineno}: {ast.unparse(node)}")
        if rel.parts[0] not in SURFACES:
            continue
        for fn in _exit_functions(tree):
            for node in ast.walk(fn):
                if isinstance(node, ast.Return) and _literal_int(node.value):
                    out.append(f"{rel}:{node.lineno}: return {node.value.value} in {fn.name}()")
    return out


def test_no_literal_exit_codes() -> None:
    assert offenders() == []
