"""The installed hook command (`dos-hook pretool`) on a Claude Code Edit, allow and deny, vs `python3 -c pass`.

Workspaces hold 0, 100 and 10,000 live leases, and one carries 100,000 events of history.
With DOS_REF set, the reference's `dos hook pretool` runs on the same payload (its own empty journal).
"""

from __future__ import annotations

import compileall
import json
import subprocess
import sys
from pathlib import Path

from run import ROOT, Case, ref_cmd

DOS_TOML = """[lanes]
concurrent = ["src", "docs"]
exclusive = ["global"]

[lanes.trees]
src = ["src/**"]
docs = ["docs/**"]
global = ["**/*"]
"""


def hook_cmd() -> list[str]:
    """The command the installer writes: the dos-hook console script next to this interpreter."""
    script = Path(sys.executable).parent / "dos-hook"
    return [str(script)] if script.exists() else [sys.executable, "-m", "dos.hooks"]


def _workspace(tmp: Path, name: str, n_leases: int, n_events: int) -> Path:
    """A git workspace whose store holds N_LEASES live leases (sess-A on src, sess-B on docs, the rest
    on their own small trees) and N_EVENTS extra events of history, written straight into SQLite."""
    sys.path.insert(0, str(ROOT / "src"))
    from dos.config import Workspace, load_config
    from dos.kernel.lanes import LaneRequest
    from dos.service.context import open_store
    from dos.store.leases import lease_to_row
    from dos.store.schema import LEASE_COLUMNS

    ws = tmp / name
    (ws / "src").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(ws)], check=True)
    (ws / "dos.toml").write_text(DOS_TOML)
    store = open_store(Workspace(ws, "--workspace"), load_config(ws))
    ttl = 24 * 3600 * 1000
    if n_leases:
        a = store.acquire(LaneRequest(lane="src"), holder="agentA", session="sess-A", ttl_ms=ttl).lease
        store.acquire(LaneRequest(lane="docs"), holder="agentB", session="sess-B", ttl_ms=ttl)
        cols = ", ".join(LEASE_COLUMNS)
        with store.engine.write() as tx:
            for i in range(n_leases - 2):
                row = dict(zip(LEASE_COLUMNS, lease_to_row(a)))
                row.update(lease_id=f"bulk-{i}", fence=1000 + i, lane=f"w{i}", tree=json.dumps([f"work/w{i}/**"]),
                           holder=f"agent{i}", session=f"sess-{i}", pid=None, pid_start=None)
                tx.execute(f"INSERT INTO leases ({cols}) VALUES ({', '.join('?' for _ in LEASE_COLUMNS)})",
                           tuple(row[c] for c in LEASE_COLUMNS))
    if n_events:
        with store.engine.write() as tx:
            now = tx.now_ms()
            for i in range(n_events):
                tx.execute("INSERT INTO events (ts_ms, op, lane, lease_id, holder, host_id, reason, data) "
                           "VALUES (?, 'ENFORCE', 'docs', '', ?, '', 'history', '{}')", (now, f"sess-{i % 50}"))
    store.close()
    return ws


def _payload(ws: Path, rel: str) -> bytes:
    return json.dumps({"session_id": "sess-A", "transcript_path": "/tmp/t.jsonl", "cwd": str(ws),
                       "permission_mode": "default", "hook_event_name": "PreToolUse", "tool_name": "Edit",
                       "tool_use_id": "toolu_01", "tool_input": {"file_path": str(ws / rel), "old_string": "a",
                                                                 "new_string": "b"}}).encode()


def cases(tmp: Path) -> list[Case]:
    compileall.compile_dir(str(ROOT / "src" / "dos"), quiet=1)  # an installed package has its .pyc files
    hook = [*hook_cmd(), "pretool"]
    out = [Case("python3 -c pass", [sys.executable, "-c", "pass"], baseline=True)]
    for label, leases, events in (("0 leases", 0, 0), ("100 leases", 100, 0), ("10,000 leases", 10_000, 0),
                                  ("100k events, 2 leases", 2, 100_000)):
        ws = _workspace(tmp, label.replace(" ", "_").replace(",", ""), leases, events)
        out.append(Case(f"dos-hook allow, {label}", hook, cwd=ws, stdin=_payload(ws, "src/app.py")))
        if leases:
            out.append(Case(f"dos-hook deny, {label}", hook, cwd=ws, stdin=_payload(ws, "docs/guide.md"),
                            ok_codes=(2,)))
    ref = ref_cmd()
    if ref:
        native = sorted(Path(ref[0]).resolve().parent.parent.glob("lib/python*/site-packages/dos/_bin/dos-hook"))
        for label, lines in (("empty journal", 0), ("100k journal lines", 100_000)):
            ws = _ref_workspace(tmp, lines)
            args = ["hook", "pretool", "--workspace", str(ws)]
            out.append(Case(f"reference dos hook pretool, {label}", [*ref, *args], cwd=ws,
                            stdin=_payload(ws, "src/app.py")))
            if native:
                out.append(Case(f"reference Go dos-hook pretool, {label}", [str(native[0]), *args[1:]], cwd=ws,
                                stdin=_payload(ws, "src/app.py")))
    return out


def _ref_workspace(tmp: Path, lines: int) -> Path:
    """A workspace for the reference: our dos.toml and LINES forensic records in its lane journal."""
    ws = tmp / f"ref_{lines}"
    (ws / ".dos").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(ws)], check=True)
    (ws / "dos.toml").write_text(DOS_TOML)
    with open(ws / ".dos" / "lane-journal.jsonl", "w") as fh:
        for i in range(lines):
            fh.write(json.dumps({"op": "ENFORCE", "seq": i + 1, "ts": 1.7e9 + i, "lane": "Edit", "holder": "s",
                                 "tool": "Edit", "intervention": "WARN", "reason": "history"}) + "\n")
    return ws
