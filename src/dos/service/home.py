"""The home index: every workspace DOS has seen on this machine, and rollups over their journals.

It lives in ``$DISPATCH_HOME/index.sqlite3`` (default ``~/.dos``). ``register`` adds a
workspace (one upsert keyed by its resolved root, so a workspace is never listed twice);
``reindex`` re-reads every listed workspace's ``.dos/`` and verdict journal and rewrites
the index in one transaction; ``projects`` lists it; ``learn`` groups the decisions
reindex copied (refusals, hook denials, oracle verdicts) by project, lane or oracle rung.
A read never creates the home. Never called from the hook path.
"""

from __future__ import annotations

import os
import sqlite3
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from dos.errors import DosError, StoreError, UsageError
from dos.service.home_index import (
    AXES,
    HOOK_SYSCALLS,
    INDEX_SCHEMA,
    ORACLE_SYSCALLS,
    POSITIVE,
    PROJECT_COLS,
    _now_ms,
    _open_for_write,
    _project_id,
    _read_rows,
    _under_temp,
    index_path,
    register as register,  # re-exported: dos.service.home.register
)

# --------------------------------------------------------------------------- reindex


def classify(rec: Mapping[str, Any]) -> tuple[str, str] | None:
    """(kind, reason) of a journal record that is a decision the rollups count, else None.

    ``refusal``: a lease request refused; ``wedge``: a hook that denied or blocked a tool call;
    ``oracle``: a truth verdict (verify, commit-audit, attest, test-witness, memory recall...).
    """
    syscall = str(rec.get("syscall", ""))
    verdict = str(rec.get("verdict", ""))
    detail = rec.get("detail") if isinstance(rec.get("detail"), dict) else {}
    if syscall in ("acquire", "arbitrate") and verdict.upper() == "REFUSE":
        return "refusal", "LANE_HELD" if detail.get("blocking") else "REFUSED"
    if syscall in HOOK_SYSCALLS and str(detail.get("action", "")).lower() in ("deny", "block"):
        return "wedge", verdict.upper() or "DENY"
    if syscall in ORACLE_SYSCALLS:
        rung = str(detail.get("source", "") or detail.get("rung", "") or "")
        return "oracle", f"{syscall}/{rung}" if rung else syscall
    return None


def _category(kind: str, reason: str) -> str:
    if kind == "oracle":
        return reason
    from dos.kernel.reasons import classify_reason

    return classify_reason(reason).category


@dataclass
class _Gathered:
    status: str
    problem: str = ""
    runs: int = 0
    refusals: int = 0
    wedges: int = 0
    decisions: list[tuple[Any, ...]] | None = None


def _gather(root: str) -> _Gathered:
    """What ROOT's ``.dos/`` and verdict journal hold now (read-only: nothing is created)."""
    path = Path(root)
    if not (path / ".dos").is_dir():
        return _Gathered("stale", "the workspace or its .dos/ is gone")
    from dos.config import Workspace
    from dos.service.context import Context
    from dos.service.journal import iter_records

    rows: list[tuple[Any, ...]] = []
    runs: set[str] = set()
    counts: Counter[str] = Counter()
    try:
        with Context(Workspace(path, "--workspace")) as ctx:
            exists = getattr(ctx.store.engine, "exists", None)
            if exists is None or exists():
                for rec in iter_records(ctx):
                    if rec.get("run_id"):
                        runs.add(str(rec["run_id"]))
                    found = classify(rec)
                    if found is None:
                        continue
                    kind, reason = found
                    counts[kind] += 1
                    rows.append((root, int(rec["seq"]), int(rec["ts_ms"]), kind, str(rec["syscall"]),
                                 str(rec["verdict"]), str(rec.get("lane") or ""), reason, _category(kind, reason)))
    except DosError as exc:
        return _Gathered("unreadable", str(exc).splitlines()[0][:300])
    return _Gathered("active", "", len(runs), counts["refusal"], counts["wedge"], rows)


@dataclass(frozen=True)
class Reindexed:
    """``dos reindex``: the counts the reference prints, plus what was pruned."""

    active: int
    stale: int
    unreadable: int
    throwaway: int
    projects: int
    decisions: int
    pruned: tuple[str, ...]
    index: str
    moved: int = 0  # DOS keeps no project.json, so a moved workspace reads as stale at its old root
    id_collisions: int = 0  # the index is keyed by the resolved root: two rows for one root cannot exist
    token: str = "reindexed"

    @property
    def reason(self) -> str:
        return (f"reindexed {self.projects} project(s): {self.active} active, {self.stale} stale, {self.moved} moved"
                f" · {self.decisions} decision(s)")

    def to_dict(self) -> dict[str, Any]:
        return {"active": self.active, "stale": self.stale, "moved": self.moved, "throwaway": self.throwaway,
                "id_collisions": self.id_collisions, "projects": self.projects, "decisions": self.decisions,
                "unreadable": self.unreadable, "pruned": list(self.pruned), "index": self.index}


def reindex(*, prune: bool = False, env: Mapping[str, str] | None = None) -> Reindexed:
    """Re-read every indexed workspace and rewrite the index in one transaction (idempotent).

    PRUNE drops the rows of workspaces whose ``.dos/`` is gone (else they stay, marked stale).
    """
    listed = [r[0] for r in _read_rows(env, "SELECT root FROM projects ORDER BY root")]
    gathered = {root: _gather(root) for root in listed}
    now = _now_ms()
    conn = _open_for_write(env)
    pruned: list[str] = []
    try:
        try:
            current = {r[0]: r for r in conn.execute("SELECT root, first_seen_ms FROM projects")}
            for root, g in gathered.items():
                if root not in current:
                    continue  # removed meanwhile
                conn.execute("DELETE FROM decisions WHERE root = ?", (root,))
                if prune and g.status == "stale":
                    conn.execute("DELETE FROM projects WHERE root = ?", (root,))
                    pruned.append(root)
                    continue
                real = Path(root)
                conn.execute(
                    "UPDATE projects SET project_id = ?, label = ?, dos_dir = ?, status = ?, throwaway = ?, "
                    "last_indexed_ms = ?, run_count = ?, refusal_count = ?, wedge_count = ?, decision_count = ?, "
                    "problem = ? WHERE root = ?",
                    (_project_id(root), real.name or root, str(real / ".dos"), g.status, int(_under_temp(real)),
                     now, g.runs, g.refusals, g.wedges, len(g.decisions or ()), g.problem, root))
                if g.decisions:
                    conn.executemany("INSERT INTO decisions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", g.decisions)
            conn.execute("INSERT INTO meta (key, value) VALUES ('last_reindex_ms', ?) ON CONFLICT (key) DO UPDATE "
                         "SET value = excluded.value", (str(now),))
            statuses = Counter(r[0] for r in conn.execute("SELECT status FROM projects"))
            throwaway = conn.execute("SELECT COUNT(*) FROM projects WHERE throwaway = 1").fetchone()[0]
            total = conn.execute("SELECT COUNT(*) FROM projects").fetchone()[0]
            decisions = conn.execute("SELECT COUNT(*) FROM decisions").fetchone()[0]
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"cannot rebuild the home index {index_path(env)}: {exc}") from None
    finally:
        conn.close()
    return Reindexed(statuses["active"], statuses["stale"], statuses["unreadable"], throwaway, total, decisions,
                     tuple(pruned), str(index_path(env)))


# --------------------------------------------------------------------------- projects and learn


def _row(values: tuple[Any, ...]) -> dict[str, Any]:
    from dos.service.journal import iso

    d = dict(zip(PROJECT_COLS, values))
    out = {"schema": INDEX_SCHEMA, "project_id": d["project_id"], "label": d["label"], "root": d["root"],
           "dos_dir": d["dos_dir"], "status": d["status"], "throwaway": bool(d["throwaway"]),
           "first_seen": iso(d["first_seen_ms"]),
           "last_indexed": iso(d["last_indexed_ms"]) if d["last_indexed_ms"] is not None else None,
           "run_count": d["run_count"], "refusal_count": d["refusal_count"], "wedge_count": d["wedge_count"],
           "decision_count": d["decision_count"]}
    if d["problem"]:
        out["problem"] = d["problem"]
    return out


def projects(*, stale: bool = False, env: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """The index rows, by label then root; STALE: only the workspaces whose ``.dos/`` is gone now.

    Staleness is checked against the disk now, not only as of the last reindex."""
    rows = [_row(r) for r in _read_rows(env, f"SELECT {', '.join(PROJECT_COLS)} FROM projects "
                                             f"ORDER BY label, root")]
    for r in rows:
        if r["status"] != "stale" and not os.path.isdir(r["dos_dir"]):
            r["status"] = "stale"
    return [r for r in rows if r["status"] == "stale"] if stale else rows


@dataclass(frozen=True)
class Rollup:
    """``dos learn AXIS``: the decisions grouped on AXIS, largest group first."""

    axis: str
    groups: tuple[dict[str, Any], ...]
    decisions: int

    @property
    def token(self) -> str:
        return "aggregated" if self.groups else "no_data"

    @property
    def reason(self) -> str:
        if not self.groups:
            return (f"no resolved decisions to aggregate for '{self.axis}' · run `dos reindex` after workspaces "
                    f"have journaled refusals, denials or verdicts")
        return f"{self.decisions} decision(s) in {len(self.groups)} group(s) by {self.axis}"

    @property
    def evidence(self) -> tuple[dict[str, Any], ...]:
        return self.groups

    def to_dict(self) -> dict[str, Any]:
        return {"axis": self.axis, "verdict": self.token, "reason": self.reason, "decisions": self.decisions,
                "groups": list(self.groups)}


def learn(axis: str, *, env: Mapping[str, str] | None = None) -> Rollup:
    """Group the indexed decisions: wedge-hotspots by project (refusals and hook denials), lane-refusals by
    lane, oracle-calibration by oracle and the rung that decided (with the positive rate)."""
    if axis not in AXES:
        raise UsageError(f"unknown axis {axis!r}; known: {', '.join(AXES)}")
    sql = ("SELECT d.kind, d.verdict, d.lane, d.reason, d.category, p.label, d.root FROM decisions d "
           "JOIN projects p ON p.root = d.root")
    if axis == "oracle-calibration":
        rows = _read_rows(env, sql + " WHERE d.kind = 'oracle'")
    else:
        rows = _read_rows(env, sql + " WHERE d.kind IN ('refusal', 'wedge')")
    groups: dict[str, dict[str, Any]] = {}
    reasons: dict[str, Counter[str]] = defaultdict(Counter)
    tokens: dict[str, Counter[str]] = defaultdict(Counter)
    where: dict[str, set[str]] = defaultdict(set)
    for kind, verdict, lane, reason, category, label, root in rows:
        if axis == "wedge-hotspots":
            key = label
        elif axis == "lane-refusals":
            key = lane or "(no lane)"
        else:
            key = category
        g = groups.setdefault(key, {"key": key, "count": 0, "refusals": 0, "wedges": 0})
        g["count"] += 1
        if kind == "refusal":
            g["refusals"] += 1
        elif kind == "wedge":
            g["wedges"] += 1
        reasons[key][reason if axis != "oracle-calibration" else verdict.upper()] += 1
        tokens[key][category] += 1
        where[key].add(root)
    out = []
    for key, g in groups.items():
        if axis == "oracle-calibration":
            positive = sum(n for t, n in reasons[key].items() if t in POSITIVE)
            entry = {"key": key, "count": g["count"], "verdicts": dict(sorted(reasons[key].items())),
                     "positive": positive, "positive_rate": round(positive / g["count"], 4),
                     "projects": len(where[key])}
        else:
            entry = {**g, "reasons": dict(sorted(reasons[key].items())),
                     "categories": dict(sorted(tokens[key].items())), "projects": len(where[key])}
            if axis == "wedge-hotspots":
                entry["roots"] = sorted(where[key])
        out.append(entry)
    out.sort(key=lambda e: (-e["count"], e["key"]))
    return Rollup(axis, tuple(out), len(rows))
