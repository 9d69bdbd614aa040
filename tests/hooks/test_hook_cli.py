"""The hook verbs through the real CLI: dos hook, dos claim, dos guard."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from tests.hooks.hookkit import DOS_TOML


def edit(ws: Path, rel: str, session: str) -> str:
    return json.dumps({"session_id": session, "cwd": str(ws), "hook_event_name": "PreToolUse", "tool_name": "Write",
                       "tool_input": {"file_path": str(ws / rel), "content": "x"}})


def test_dos_hook_pretool_matches_dos_hook_entry_point(repo, run_dos) -> None:
    repo.write("dos.toml", DOS_TOML)
    ws = repo.path
    assert run_dos("lease-lane", "acquire", "--lane", "docs", "--owner", "agentB", "--session", "B", cwd=ws).returncode == 0
    got = run_dos("hook", "pretool", input=edit(ws, "docs/a.md", "A"), cwd=ws)
    assert got.returncode == 2
    assert json.loads(got.stdout)["hookSpecificOutput"]["permissionDecision"] == "deny"
    cursor = run_dos("hook", "pretool", "--dialect", "cursor", input=json.dumps(
        {"conversation_id": "A", "hook_event_name": "beforeShellExecution", "command": "touch docs/z",
         "workspace_roots": [str(ws)], "cwd": str(ws)}), cwd=ws)
    assert cursor.returncode == 2 and json.loads(cursor.stdout)["permission"] == "deny"
    mine = run_dos("hook", "pretool", "--session-id", "B", input=edit(ws, "docs/a.md", "A"), cwd=ws)
    assert (mine.returncode, mine.stdout) == (0, "")


def test_dos_hook_names_an_unknown_dialect_and_follows_on_error(repo, run_dos) -> None:
    """`dos hook` checks its own flags first (exit 2); the installed `dos-hook` follows on_error instead."""
    got = run_dos("hook", "pretool", "--dialect", "vim", input="{}", cwd=repo.path)
    assert got.returncode == 0 and "unknown --dialect 'vim'" in got.stderr and "on_error" in got.stderr
    assert "Traceback" not in got.stderr


def test_claim_then_stop_blocks_until_the_phase_ships(repo, run_dos) -> None:
    repo.commit("start")
    ws = repo.path
    stop = json.dumps({"session_id": "S1", "cwd": str(ws), "hook_event_name": "Stop", "stop_hook_active": False})
    assert run_dos("hook", "stop", input=stop, cwd=ws).returncode == 0, "no claim: free to stop"
    claimed = run_dos("claim", "AUTH", "AUTH1", "--session", "S1", cwd=ws)
    assert claimed.returncode == 0 and "CLAIMED" in claimed.stdout
    blocked = run_dos("hook", "stop", input=stop, cwd=ws)
    assert blocked.returncode == 2
    assert "dos verify AUTH AUTH1" in json.loads(blocked.stdout)["reason"]
    repo.commit("AUTH1: ship login")
    assert run_dos("hook", "stop", input=stop, cwd=ws).returncode == 0


def test_claim_needs_a_session(repo, run_dos) -> None:
    got = run_dos("claim", "AUTH", "AUTH1", cwd=repo.path)
    assert got.returncode == 2 and got.stderr.startswith("error: dos claim needs the session")
    via_env = run_dos("claim", "AUTH", "AUTH1", "--json", cwd=repo.path, env={"DOS_SESSION_ID": "S9"})
    assert via_env.returncode == 0 and json.loads(via_env.stdout)["session"] == "S9"


def _fake_host(tmp: Path, name: str) -> Path:
    """A stand-in host binary that records its argv and the guard's env, then exits 7."""
    bin_dir = tmp / "bin"
    bin_dir.mkdir(exist_ok=True)
    exe = bin_dir / name
    exe.write_text("#!/bin/sh\nprintf '%s\\n' \"$@\" > \"$0.args\"\n"
                   "if [ -n \"$GEMINI_CLI_HOME\" ]; then cat \"$GEMINI_CLI_HOME/.gemini/settings.json\" > \"$0.settings\"; fi\n"
                   "exit 7\n")
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    return exe


def test_guard_wires_claude_for_one_run_and_returns_its_exit_code(repo, run_dos, tmp_path) -> None:
    exe = _fake_host(tmp_path, "claude")
    env = {"PATH": f"{exe.parent}{os.pathsep}{os.environ['PATH']}"}
    got = run_dos("guard", "--verify-on-stop", "--no-mcp", "--", "claude", "-p", "hi", cwd=repo.path, env=env)
    assert got.returncode == 7, got.stderr
    args = Path(f"{exe}.args").read_text().splitlines()
    assert args[0] == "--settings" and args[-2:] == ["-p", "hi"]
    hooks = json.loads(args[1])["hooks"]
    assert sorted(hooks) == ["PostToolUse", "PreToolUse", "Stop"]
    assert "stop --dialect claude-code" in hooks["Stop"][0]["hooks"][0]["command"]
    assert not (repo.path / ".claude").exists(), "the user's config is not touched"


def test_guard_gives_gemini_a_temporary_settings_file(repo, run_dos, tmp_path) -> None:
    exe = _fake_host(tmp_path, "gemini")
    env = {"PATH": f"{exe.parent}{os.pathsep}{os.environ['PATH']}"}
    assert run_dos("guard", "--no-mcp", "--", "gemini", cwd=repo.path, env=env).returncode == 7
    settings = json.loads(Path(f"{exe}.settings").read_text())
    assert sorted(settings["hooks"]) == ["AfterTool", "BeforeTool"]


def test_guard_errors(repo, run_dos) -> None:
    assert run_dos("guard", cwd=repo.path).returncode == 2
    unknown = run_dos("guard", "--", "vim", cwd=repo.path)
    assert unknown.returncode == 2 and "knows claude, codex and gemini" in unknown.stderr
    missing = run_dos("guard", "--", "codex", "exec", "hi", cwd=repo.path, env={"PATH": "/nonexistent"})
    assert missing.returncode == 127 and "not found" in missing.stderr
