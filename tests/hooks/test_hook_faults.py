"""Faults that must not switch the referee off: a read-only .dos/, a full disk, an oversized payload.

The read-only state directory is a read-only bind mount and the full disk a small tmpfs,
so the store really cannot be written (running as root, file modes alone would not stop it).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import dos_env
from tests.hooks.hookkit import DOS_TOML, enforce_events, hold



def _mount(*args: str) -> None:
    done = subprocess.run(["mount", *args], capture_output=True, text=True)
    assert done.returncode == 0, f"these tests need mount (root): {done.stderr.strip()}"


def _umount(path: Path) -> None:
    subprocess.run(["umount", "-l", str(path)], capture_output=True)


def _hook(ws: Path, payload: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dos.hooks", "pretool"], input=json.dumps(payload), text=True,
                          capture_output=True, cwd=ws, env=dos_env(), timeout=60)


def _write(ws: Path, rel: str, content: str = "x") -> dict:
    return {"session_id": "sess-A", "cwd": str(ws), "hook_event_name": "PreToolUse", "tool_name": "Write",
            "tool_input": {"file_path": str(ws / rel), "content": content}}


def _denied(out: subprocess.CompletedProcess) -> bool:
    return out.returncode == 2 and json.loads(out.stdout)["hookSpecificOutput"]["permissionDecision"] == "deny"


def _enforce_count(ws: Path) -> int:
    return len(enforce_events(ws))


@pytest.fixture
def readonly_state(ws: Path):
    state = ws / ".dos"
    _mount("--bind", str(state), str(state))
    try:
        _mount("-o", "remount,ro,bind", str(state))
        yield ws
    finally:
        _umount(state)


def test_a_read_only_state_dir_still_denies_and_says_the_deny_was_not_recorded(readonly_state: Path) -> None:
    ws = readonly_state
    before = _enforce_count(ws)
    out = _hook(ws, _write(ws, "docs/guide.md"))
    assert _denied(out), out
    assert "was not recorded" in out.stderr and "Traceback" not in out.stderr
    assert _enforce_count(ws) == before
    assert _hook(ws, _write(ws, "src/app.py")).returncode == 0, "the holder's own write is still allowed"


@pytest.fixture
def full_disk(tmp_path: Path, make_repo):
    disk = tmp_path / "disk"
    disk.mkdir()
    _mount("-t", "tmpfs", "-o", "size=4m", "tmpfs", str(disk))
    try:
        repo = make_repo("disk/ws")
        repo.write("dos.toml", DOS_TOML)
        repo.commit("layout")
        hold(repo.path, "docs", "agentB", "sess-B")
        hold(repo.path, "src", "agentA", "sess-A")
        subprocess.run(["dd", "if=/dev/zero", f"of={disk / 'filler'}", "bs=64k"], capture_output=True)
        yield repo.path
    finally:
        _umount(disk)


def test_a_full_disk_still_denies(full_disk: Path) -> None:
    ws = full_disk
    out = _hook(ws, _write(ws, "docs/guide.md"))
    assert _denied(out), out
    assert "was not recorded" in out.stderr and "Traceback" not in out.stderr


def test_a_ten_megabyte_payload_is_judged_on_its_tool_and_path(ws: Path) -> None:
    big = "y" * (10 * 1024 * 1024)
    out = _hook(ws, _write(ws, "docs/guide.md", big))
    assert _denied(out) and "agentB" in out.stdout
    assert _hook(ws, _write(ws, "src/app.py", big)).returncode == 0


def test_a_stop_from_a_session_id_with_lone_surrogates_is_judged_not_crashed(ws: Path) -> None:
    """JSON can carry "\\udc80" in a session id; the stop hook judges it like any other id."""
    payload = '{"session_id": "sess-\\udc80", "cwd": "%s", "hook_event_name": "Stop", "stop_hook_active": false}' % ws
    out = subprocess.run([sys.executable, "-m", "dos.hooks", "stop"], input=payload, text=True, capture_output=True,
                         cwd=ws, env=dos_env(), timeout=60)
    assert (out.returncode, out.stderr) == (0, ""), out.stderr
