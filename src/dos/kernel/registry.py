"""The run registry's ``recently_completed`` rows and the soak index, over parsed YAML data.

The shell parses the files (with a real YAML parser) and hands the data here; a shape
this does not understand raises ``RegistryShapeError`` naming where, so a malformed
registry is an error, never silently "no evidence" or a phantom row.
"""

from __future__ import annotations

import re
from dos.kernel.table import table
from typing import Any, Iterable

ROW_KEYS = ("plan", "phase", "status", "commit_sha", "doc_path")


class RegistryShapeError(ValueError):
    """The data is valid YAML but not the shape of a registry or soak index; ``line`` is 1-based or 0."""

    def __init__(self, msg: str, line: int = 0) -> None:
        super().__init__(msg)
        self.line = line


@table
class RegistryRow:
    plan: str
    phase: str
    status: str
    commit_sha: str = ""
    doc_path: str = ""


def _line(node: Any) -> int:
    return int(getattr(node, "line", 0) or 0)


def _scalar(value: Any, where: str, node: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise RegistryShapeError(f"{where} must be a string, got {type(value).__name__}", _line(node))
    return str(value)


def _rows(data: Any, key: str) -> list[Any]:
    if data is None:
        return []
    if not isinstance(data, dict):
        raise RegistryShapeError(f"the top level must be a mapping, got {type(data).__name__}", _line(data))
    rows = data.get(key)
    if rows is None:
        return []
    if not isinstance(rows, list):
        raise RegistryShapeError(f"'{key}' must be a list of mappings, got {type(rows).__name__}", _line(data))
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            raise RegistryShapeError(f"{key}[{i}] must be a mapping, got {type(row).__name__}", _line(rows))
    return rows


def completed_rows(data: Any) -> list[RegistryRow]:
    """``recently_completed`` rows of parsed registry DATA, in file order (newest first by convention)."""
    out = []
    for i, row in enumerate(_rows(data, "recently_completed")):
        values = {k: _scalar(row.get(k), f"recently_completed[{i}].{k}", row) for k in ROW_KEYS}
        out.append(RegistryRow(**values))
    return out


def registry_candidates(rows: Iterable[RegistryRow], plan: str, phase: str) -> list[RegistryRow]:
    """Rows that claim PLAN PHASE is done and name a commit, in file order."""
    p, ph = plan.strip().lower(), phase.strip().lower()
    return [r for r in rows
            if r.plan.strip().lower() == p and r.phase.strip().lower() == ph
            and r.status.strip().lower() == "done" and r.commit_sha.strip()]


def _alnum(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def open_soak(data: Any, plan: str, phase: str) -> str:
    """The id of an in-progress soak for PLAN PHASE in parsed soak-index DATA, or ''.

    A soak ``AUTH3-watch`` of plan AUTH matches phase AUTH3 (its id up to the first
    ``-`` or ``_``, or the whole id), compared without case or punctuation.
    """
    for i, row in enumerate(_rows(data, "soaks")):
        status, soak_plan, ident = (_scalar(row.get(k), f"soaks[{i}].{k}", row) for k in ("status", "plan", "id"))
        if status.strip().lower() != "in_progress" or _alnum(soak_plan) != _alnum(plan):
            continue
        heads = {ident, ident.split("-", 1)[0], ident.split("_", 1)[0]}
        if _alnum(phase) in {_alnum(h) for h in heads if h}:
            return ident
    return ""
