"""End to end with real processes: two sessions, two leases, the installed hook command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from dos.config import Workspace, load_config
from dos.kernel.lanes import LaneRequest
from dos.service import leases
from dos.service.context import Context
from dos.testing import FakeClock
from tests.hooks.hookkit import DOS_TOML

from tests.hooks.tests_support import hook_env


def dos_hook(ws: Path, payload: dict, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dos.hooks", "pretool", *args], input=json.dumps(payload),
                          text=True, capture_output=True, cwd=ws, env=hook_env(), timeout=60)


def lease_in_the_past(ws: Path, lane: str, owner: str, session: str, *, ttl_s: int, age_s: int) -> None:
    """Grant LANE as it was AGE_S seconds ago: with AGE_S > TTL_S it is already expired."""
    clock = FakeClock()
    clock.ms -= age_s * 1000
    with Context(Workspace(ws, "--workspace"), load_config(ws), clock=clock) as ctx:
        assert leases.acquire(ctx, LaneRequest(lane=lane), holder=owner, session=session,
                              ttl_ms=ttl_s * 1000).granted


def edit(ws: Path, session: str, rel: str) -> dict:
    return {"session_id": session, "cwd": str(ws), "hook_event_name": "PreToolUse", "tool_name": "Edit",
            "tool_input": {"file_path": str(ws / rel), "old_string": "a", "new_string": "b"}}


def test_two_sessions_leases_deny_then_expiry_allows(repo, run_dos) -> None:
    """A edits its own lane (allowed), B's lane (denied naming B), then B's lease expires (allowed)."""
    repo.write("dos.toml", DOS_TOML)
    repo.commit("layout", {"src/app.py": "a\n", "docs/guide.md": "a\n"})
    ws = repo.path
    a = run_dos("lease-lane", "acquire", "--lane", "src", "--owner", "agentA", "--session", "sess-A",
                "--ttl-seconds", "600", cwd=ws)
    assert a.returncode == 0, a.stderr
    b = run_dos("lease-lane", "acquire", "--lane", "docs", "--owner", "agentB", "--session", "sess-B",
                "--ttl-seconds", "600", cwd=ws)
    assert b.returncode == 0, b.stderr

    own = dos_hook(ws, edit(ws, "sess-A", "src/app.py"))
    assert (own.returncode, own.stdout) == (0, ""), own.stderr
    into_b = dos_hook(ws, edit(ws, "sess-A", "docs/guide.md"))
    assert into_b.returncode == 2
    reason = json.loads(into_b.stdout)["hookSpecificOutput"]["permissionDecisionReason"]
    assert "agentB" in reason and "'docs'" in reason and "expires in" in reason

    # B's lease as if granted 700 s ago with a 600 s TTL: expired now, with no sleep.
    assert run_dos("lease-lane", "release", "--lane", "docs", "--owner", "agentB", cwd=ws).returncode == 0
    lease_in_the_past(ws, "docs", "agentB", "sess-B", ttl_s=600, age_s=700)
    after = dos_hook(ws, edit(ws, "sess-A", "docs/guide.md"))
    assert (after.returncode, after.stdout) == (0, ""), after.stdout + after.stderr


def test_after_expiry_auto_acquire_takes_the_lane(repo, run_dos) -> None:
    repo.write("dos.toml", DOS_TOML + "\n[hooks]\nauto_acquire = true\n")
    repo.commit("layout")
    ws = repo.path
    lease_in_the_past(ws, "docs", "agentB", "sess-B", ttl_s=1, age_s=5)
    took = dos_hook(ws, edit(ws, "sess-A", "docs/guide.md"))
    assert (took.returncode, took.stdout) == (0, ""), took.stderr
    live = run_dos("lease-lane", "live", cwd=ws)
    holders = {(x["lane"], x["session"]) for x in json.loads(live.stdout)}
    assert ("docs", "sess-A") in holders and ("docs", "sess-B") not in holders
    denied_b = dos_hook(ws, edit(ws, "sess-B", "docs/guide.md"))
    assert denied_b.returncode == 2 and "sess-A" in denied_b.stderr
