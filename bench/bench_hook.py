"""Every hook event as the installer wires it (`python -I -c ...`) against `python -I -c pass`.

pretool allow (the holder's own lane) and deny (another session's lane), posttool and
stop (a session with no claim, and one whose claim verifies), with 0, 100, 1,000 and 10,000
live leases and 100,000 events of history. With DOS_REF set, the reference's `dos hook pretool`
runs on the same payload (its own empty journal).

The pretool cases are also grouped: allow against allow with no lease, deny against deny with
the two leases it needs (the hook reads only the published files of the judged paths' first
segments, so these ratios stay near 1.00x). The extra leases all live under `work/`; the last
allow row judges a path there, where the hook does read every one of them.
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
HOOK = "from dos.hooks.__main__ import run; run()"


def hook_cmd(verb: str) -> list[str]:
    return [sys.executable, "-I", "-c", HOOK, verb]


def _workspace(tmp: Path, name: str, n_leases: int, n_events: int) -> Path:
    """A git workspace: sess-A holds src, sess-B holds docs, the rest hold small trees of their own;
    N_EVENTS extra events of history; sess-C has claimed a phase that ships."""
    sys.path.insert(0, str(ROOT / "src"))
    from dos.config import Workspace, load_config
    from dos.kernel.lanes import LaneRequest
    from dos.kernel.lease import Op
    from dos.service.context import open_store
    from dos.store.live import LEASE_INSERT, lease_to_row

    ws = tmp / name
    (ws / "src").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(ws)], check=True)
    subprocess.run(["git", "-C", str(ws), "-c", "user.name=b", "-c", "user.email=b@x", "commit", "-q",
                    "--allow-empty", "-m", "AUTH1: ship it"], check=True)
    (ws / "dos.toml").write_text(DOS_TOML + '\n[hooks]\nstall_ignore = ["Read"]\n')
    store = open_store(Workspace(ws, "--workspace"), load_config(ws))
    ttl = 24 * 3600 * 1000
    if n_leases:
        a = store.acquire(LaneRequest(lane="src"), holder="agentA", session="sess-A", ttl_ms=ttl).lease
        store.acquire(LaneRequest(lane="docs"), holder="agentB", session="sess-B", ttl_ms=ttl)
        with store.engine.write() as tx:
            for i in range(n_leases - 2):
                bulk = a.replace(lease_id=f"bulk-{i}", fence=1000 + i, lane=f"w{i}", tree=(f"work/w{i}/**",),
                                 holder=f"agent{i}", session=f"sess-{i}", pid=None, pid_start=None)
                tx.execute(LEASE_INSERT, lease_to_row(bulk))
    store.record(Op.CLAIM, holder="sess-C", data={"session": "sess-C", "plan": "AUTH", "phase": "AUTH1"})
    if n_events:
        with store.engine.write() as tx:
            now = tx.now_ms()
            for i in range(n_events):
                tx.execute("INSERT INTO events (ts_ms, op, lane, lease_id, holder, host_id, reason, data) "
                           "VALUES (?, 'ENFORCE', 'docs', '', ?, '', 'history', '{}')", (now, f"sess-{i % 50}"))
    store.close()
    return ws


def _pre(ws: Path, rel: str) -> bytes:
    return json.dumps({"session_id": "sess-A", "transcript_path": "/tmp/t.jsonl", "cwd": str(ws),
                       "permission_mode": "default", "hook_event_name": "PreToolUse", "tool_name": "Edit",
                       "tool_use_id": "toolu_01", "tool_input": {"file_path": str(ws / rel), "old_string": "a",
                                                                 "new_string": "b"}}).encode()


def _post(ws: Path, tool: str = "Read") -> bytes:
    """Every round repeats the same step: Read is in stall_ignore (no warning due), Grep warns (STALLED)."""
    return json.dumps({"session_id": "sess-A", "cwd": str(ws), "hook_event_name": "PostToolUse",
                       "tool_name": tool, "tool_input": {"file_path": str(ws / "src/a.py")},
                       "tool_response": {"content": "x"}}).encode()


def _stop(ws: Path, session: str) -> bytes:
    return json.dumps({"session_id": session, "cwd": str(ws), "hook_event_name": "Stop",
                       "stop_hook_active": False}).encode()


def cases(tmp: Path) -> list[Case]:
    compileall.compile_dir(str(ROOT / "src" / "dos"), quiet=1)  # an installed package has its .pyc files
    out = [Case("python -I -c pass", [sys.executable, "-I", "-c", "pass"], baseline=True)]
    sizes = (("0 leases", 0, 0), ("2 leases", 2, 0), ("100 leases", 100, 0), ("1,000 leases", 1000, 0),
             ("10,000 leases", 10_000, 0), ("100k events, 2 leases", 2, 100_000))
    for label, leases, events in sizes:
        ws = _workspace(tmp, label.replace(" ", "_").replace(",", ""), leases, events)
        out.append(Case(f"pretool allow, {label}", hook_cmd("pretool"), cwd=ws, stdin=_pre(ws, "src/app.py"),
                        group="" if events else "allow", baseline=not leases))
        if leases:
            out.append(Case(f"pretool deny, {label}", hook_cmd("pretool"), cwd=ws, stdin=_pre(ws, "docs/g.md"),
                            ok_codes=(2,), group="" if events else "deny", baseline=leases == 2 and not events))
        if leases == 10_000:
            out.append(Case(f"pretool allow under work/ (every lease's head), {label}", hook_cmd("pretool"),
                            cwd=ws, stdin=_pre(ws, "work/free/x.py"), group="allow"))
        if leases == 2 and not events:
            continue  # the deny group's baseline only
        out.append(Case(f"posttool, {label}", hook_cmd("posttool"), cwd=ws, stdin=_post(ws)))
        out.append(Case(f"posttool, STALLED warning, {label}", hook_cmd("posttool"), cwd=ws,
                        stdin=_post(ws, "Grep")))
        out.append(Case(f"stop, no claim, {label}", hook_cmd("stop"), cwd=ws, stdin=_stop(ws, "sess-A")))
        out.append(Case(f"stop, claim that verifies, {label}", hook_cmd("stop"), cwd=ws, stdin=_stop(ws, "sess-C")))
    ref = ref_cmd()
    if ref:
        ws = tmp / "ref"
        (ws / ".dos").mkdir(parents=True)
        subprocess.run(["git", "init", "-q", str(ws)], check=True)
        (ws / "dos.toml").write_text(DOS_TOML)
        out.append(Case("reference dos hook pretool", [*ref, "hook", "pretool", "--workspace", str(ws)], cwd=ws,
                        stdin=_pre(ws, "src/app.py")))
    return out
