"""``dos hook selftest``: run the command a host has installed on a synthetic colliding write.

A throwaway workspace holds one live lease for another session; the installed command
gets a write into that lane in the host's own payload shape and must answer with a deny.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dos.hooks.install import SPECS, installed_command

DENY_EXIT = {"claude-code": 2, "codex": 2, "cursor": 2, "gemini": 0, "antigravity": 0}
PROBE = "selftest/probe.txt"


@dataclass(frozen=True)
class SelftestResult:
    host: str
    ok: bool
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {"host": self.host, "ok": self.ok, "detail": self.detail}


def payload(host: str, ws: str) -> dict[str, Any]:
    """A write into PROBE from session dos-selftest-A, as HOST would send it."""
    target = os.path.join(ws, PROBE)
    if host == "cursor":
        return {"conversation_id": "dos-selftest-A", "hook_event_name": "preToolUse", "workspace_roots": [ws],
                "tool_name": "Write", "tool_input": {"file_path": target, "content": "x"}}
    base = {"session_id": "dos-selftest-A", "cwd": ws, "transcript_path": ""}
    if host == "gemini":
        return {**base, "hook_event_name": "BeforeTool", "tool_name": "write_file",
                "tool_input": {"file_path": target, "content": "x"}}
    if host == "codex":
        patch = f"*** Begin Patch\n*** Add File: {PROBE}\n+x\n*** End Patch\n"
        return {**base, "hook_event_name": "PreToolUse", "tool_name": "apply_patch",
                "tool_input": {"command": patch}}
    return {**base, "hook_event_name": "PreToolUse", "tool_name": "Write",
            "tool_input": {"file_path": target, "content": "x"}}


def is_deny(host: str, stdout: str) -> bool:
    try:
        out = json.loads(stdout)
    except ValueError:
        return False
    if not isinstance(out, dict):
        return False
    if host in ("claude-code", "codex"):
        return (out.get("hookSpecificOutput") or {}).get("permissionDecision") == "deny"
    if host == "cursor":
        return out.get("permission") == "deny"
    return out.get("decision") == "deny"


def selftest(root: Path, host: str) -> SelftestResult:
    """Run HOST's installed pretool command under ROOT against a synthetic collision."""
    spec = SPECS[host]
    event = next(e for e, verb in spec.events if verb == "pretool")
    cmd = installed_command(root, host, event)
    if cmd is None:
        return SelftestResult(host, False, f"no DOS {event} hook in {root / spec.path}; run dos init --hooks {host}")
    ws = tempfile.mkdtemp(prefix="dos-selftest-")
    try:
        _hold_lane(Path(ws))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DISPATCH_", "DOS_"))}
        t0 = time.perf_counter()
        try:
            proc = subprocess.run(cmd, shell=True, cwd=ws, input=json.dumps(payload(host, ws)), text=True,
                                  capture_output=True, timeout=60, env=env)
        except subprocess.TimeoutExpired:
            return SelftestResult(host, False, f"`{cmd}` did not answer within 60 s")
        ms = (time.perf_counter() - t0) * 1000
        want = DENY_EXIT[host]
        if is_deny(host, proc.stdout) and proc.returncode == want:
            return SelftestResult(host, True, f"`{cmd}` denied a write into a held lane (exit {want}, {ms:.0f} ms)")
        why = proc.stderr.strip().splitlines()[-1:] or [proc.stdout.strip()[:200] or "no output"]
        return SelftestResult(host, False, f"`{cmd}` did not deny (exit {proc.returncode}): {why[0]}")
    finally:
        shutil.rmtree(ws, ignore_errors=True)


def _hold_lane(ws: Path) -> None:
    from dos.config import Workspace, load_config
    from dos.kernel.lanes import LaneRequest
    from dos.service.context import open_store

    (ws / "dos.toml").write_text('[lanes]\nconcurrent = ["selftest"]\nexclusive = ["global"]\n\n'
                                 '[lanes.trees]\nselftest = ["selftest/**"]\nglobal = ["**/*"]\n')
    store = open_store(Workspace(ws, "--workspace"), load_config(ws))
    try:
        store.acquire(LaneRequest(lane="selftest"), holder="dos-selftest-other", session="dos-selftest-B")
    finally:
        store.close()
