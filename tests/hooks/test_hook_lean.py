"""The hook runs on every tool call: it must load only what a decision needs.

Each check compares against the modules a bare interpreter already holds in the same
environment, so a site ``.pth`` that preloads modules neither hides nor fakes a heavy import.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import dos_env

HEAVY = ("dataclasses", "typing", "enum", "re", "json", "argparse", "inspect", "sqlite3", "socket", "hashlib",
         "shlex", "pathlib", "dos.cli", "dos.config", "dos.store.leases", "dos.service.context", "rich", "psycopg",
         "mcp", "yaml", "tomlkit")



def _loaded(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=dos_env(), check=True)
    return set(out.stdout.split())


def _after_hook(payload: dict, argv: list[str]) -> set[str]:
    code = ("import sys, io\n"
            "before = set(sys.modules)\n"
            "sys.stdin = io.TextIOWrapper(io.BytesIO(%r))\n"
            "from dos.hooks.__main__ import main\n"
            "main(%r, stdout=io.StringIO(), stderr=io.StringIO())\n"
            "print(' '.join(sorted(set(sys.modules) - before)))\n") % (json.dumps(payload).encode(), argv)
    return _loaded(code)


def _edit(ws: Path, rel: str) -> dict:
    return {"session_id": "sess-A", "cwd": str(ws), "hook_event_name": "PreToolUse", "tool_name": "Edit",
            "tool_input": {"file_path": str(ws / rel)}}


@pytest.mark.parametrize("rel", ["src/app.py", "docs/guide.md"], ids=["allow", "deny"])
def test_pretool_loads_nothing_heavy(ws: Path, rel: str) -> None:
    argv = ["pretool", "--workspace", str(ws)]
    _after_hook(_edit(ws, rel), argv)  # warms the compiled settings cache
    added = _after_hook(_edit(ws, rel), argv)
    assert not added & set(HEAVY), sorted(added & set(HEAVY))


def test_posttool_and_stop_load_nothing_heavy(ws: Path) -> None:
    post = {"session_id": "sess-X", "cwd": str(ws), "hook_event_name": "PostToolUse", "tool_name": "Read",
            "tool_input": {"file_path": "a"}, "tool_response": "r"}
    stop = {"session_id": "sess-X", "cwd": str(ws), "hook_event_name": "Stop", "stop_hook_active": False}
    _after_hook(post, ["posttool", "--workspace", str(ws)])
    for payload, verb in ((post, "posttool"), (stop, "stop")):
        added = _after_hook(payload, [verb, "--workspace", str(ws)])
        # no SQLite at all: the stop reads the claims and the ledger owners the store publishes
        assert not added & {*HEAVY, "_sqlite3"}, (verb, sorted(added & {*HEAVY, "_sqlite3"}))
