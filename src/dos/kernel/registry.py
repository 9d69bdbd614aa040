"""The run registry's ``recently_completed`` rows, read from the state YAML without PyYAML.

Only the shape the registry uses is understood: a top-level key holding a list of flat
``key: value`` mappings. Anything else yields no rows (no evidence, never an error).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

_ITEM = re.compile(r"^(\s*)-\s+(.*)$")
_PAIR = re.compile(r"^([A-Za-z_][\w\-]*)\s*:\s*(.*)$")


def _scalar(raw: str) -> str:
    raw = raw.strip()
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"":
        return raw[1:-1]
    return re.sub(r"\s+#.*$", "", raw)


def parse_list(text: str, key: str) -> list[dict[str, str]]:
    """The flat mappings listed under top-level KEY in a YAML TEXT."""
    rows: list[dict[str, str]] = []
    inside = False
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace() and not line.startswith("-"):
            inside = line.split(":", 1)[0].strip() == key
            continue
        if not inside:
            continue
        m = _ITEM.match(line)
        if m:
            rows.append({})
            line = m.group(2)
        elif not rows:
            continue
        pair = _PAIR.match(line.strip())
        if pair:
            rows[-1][pair.group(1)] = _scalar(pair.group(2))
    return rows


@dataclass(frozen=True)
class RegistryRow:
    plan: str
    phase: str
    status: str
    commit_sha: str = ""
    doc_path: str = ""


def completed_rows(text: str) -> list[RegistryRow]:
    """``recently_completed`` rows in file order (newest first by convention)."""
    return [RegistryRow(r.get("plan", ""), r.get("phase", ""), r.get("status", ""),
                        r.get("commit_sha", ""), r.get("doc_path", ""))
            for r in parse_list(text, "recently_completed")]


def registry_candidates(rows: Iterable[RegistryRow], plan: str, phase: str) -> list[RegistryRow]:
    """Rows that claim PLAN PHASE is done and name a commit, in file order."""
    p, ph = plan.strip().lower(), phase.strip().lower()
    return [r for r in rows
            if r.plan.strip().lower() == p and r.phase.strip().lower() == ph
            and r.status.strip().lower() == "done" and r.commit_sha.strip()]


def _alnum(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def open_soak(text: str, plan: str, phase: str) -> str:
    """The id of an in-progress soak for PLAN PHASE in a soak index TEXT, or ''.

    A soak ``AUTH3-watch`` of plan AUTH matches phase AUTH3 (its id up to the first
    ``-`` or ``_``, or the whole id), compared without case or punctuation.
    """
    for row in parse_list(text, "soaks"):
        if row.get("status", "").strip().lower() != "in_progress" or _alnum(row.get("plan", "")) != _alnum(plan):
            continue
        ident = row.get("id", "")
        heads = {ident, ident.split("-", 1)[0], ident.split("_", 1)[0]}
        if _alnum(phase) in {_alnum(h) for h in heads if h}:
            return ident
    return ""
