"""Hosts added after the first twenty: Kilo Code and Cline (wired by ``dos init --hooks kilo|cline``, each
with a plugin file), and Hermes Agent (``dos init --hooks hermes``: the ``hooks:`` block of its YAML config).
Cline 3.x's own payloads and its plugin are tested in test_host_cline.py.

Each host's documented payload: a write into a lane another session holds is denied, the holder's
own write is allowed, a write outside the workspace is denied, the deny is that host's exact
envelope and exit code, and one case per host runs through a real ``python -m dos.hooks`` process.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest

from tests.hooks.hookkit import call_hook
from tests.hooks.tests_support import hook_env

from dos.hooks import HOSTS
from dos.service.wiring_base import SPECS

OUTSIDE = "/etc/dos-test-outside"


def kilo(ws: Path, session: str, target: str) -> dict:
    """What DOS's plugin file sends from Kilo's ``tool.execute.before`` (OpenCode's plugin API)."""
    return {"hook_event_name": "tool.execute.before", "tool": "write", "sessionID": session, "callID": "c1",
            "directory": str(ws), "args": {"filePath": target, "content": "x"}}


def hermes(ws: Path, session: str, target: str) -> dict:
    """Hermes's shell-hook stdin for ``pre_tool_call`` (website/docs/user-guide/features/hooks.md)."""
    return {"hook_event_name": "pre_tool_call", "tool_name": "write_file", "tool_input": {"path": target,
            "content": "x"}, "session_id": session, "cwd": str(ws), "profile": "default",
            "extra": {"task_id": "t1", "tool_call_id": "c1"}}


def cline(ws: Path, session: str, target: str) -> dict:
    """The VS Code extension's PreToolUse stdin (docs.cline.bot/features/hooks/hook-reference)."""
    return {"clineVersion": "3.36.0", "hookName": "PreToolUse", "timestamp": "1767225600000", "taskId": session,
            "workspaceRoots": [str(ws)], "userId": "u1",
            "preToolUse": {"toolName": "write_to_file", "parameters": {"path": target, "content": "x"}}}


PAYLOADS: dict[str, Callable[[Path, str, str], dict]] = {"kilo": kilo, "hermes": hermes, "cline": cline}
# host -> (exit code of its deny, its stdout for REASON)
DENY = {"kilo": (0, lambda r: {"decision": "deny", "reason": r}),
        "hermes": (2, lambda r: {"decision": "block", "reason": r}),
        "cline": (0, lambda r: {"cancel": True, "errorMessage": r})}
ALLOW = {"kilo": "", "hermes": "", "cline": '{"cancel": false}\n'}
HOST_NAMES = sorted(PAYLOADS)


def test_each_new_host_is_a_dialect_and_kilo_and_cline_have_installers() -> None:
    assert set(HOST_NAMES) <= set(HOSTS)
    assert "kilo" in SPECS and SPECS["kilo"].shape == "plugin"
    assert "cline" in SPECS and SPECS["cline"].shape == "plugin"
    assert "hermes" in SPECS and SPECS["hermes"].fmt == "yaml" and SPECS["hermes"].user_only


HERMES_CONFIG = """# my hermes profile
model:
  default: gpt-5  # pinned
hooks:
  pre_tool_call:
  - command: ./mine.sh
mcp_servers: {}
created: 2024-01-01
"""


def test_hermes_hooks_are_spliced_into_its_yaml_config_and_removed_again(tmp_path: Path, run_dos) -> None:
    """The user's comments, entries and dates stay; a second run changes nothing; --remove gives the file back."""
    import yaml

    home = tmp_path / "home"
    cfg = home / ".hermes" / "config.yaml"
    cfg.parent.mkdir(parents=True)
    cfg.write_text(HERMES_CONFIG)
    ws = tmp_path / "ws"
    ws.mkdir()
    env = {"HOME": str(home)}
    got = run_dos("init", "--hooks", "hermes", "--scope", "user", cwd=ws, env=env)
    assert got.returncode == 0 and "pre_tool_call, post_tool_call, pre_verify" in got.stdout, got.stderr
    text = cfg.read_text()
    assert text.startswith("# my hermes profile\nmodel:\n  default: gpt-5  # pinned\nhooks:\n")
    data = yaml.safe_load(text)
    pre = [h["command"] for h in data["hooks"]["pre_tool_call"]]
    assert pre[0] == "./mine.sh" and "pretool --dialect hermes" in pre[1]
    assert "stop --dialect hermes" in data["hooks"]["pre_verify"][0]["command"]
    assert data["created"].isoformat() == "2024-01-01" and data["mcp_servers"] == {}
    again = run_dos("init", "--hooks", "hermes", "--scope", "user", cwd=ws, env=env)
    assert "already wired" in again.stdout and cfg.read_text() == text
    probe = run_dos("hook", "selftest", "hermes", "--scope", "user", cwd=ws, env=env)
    assert probe.returncode == 0 and "denied a write into a held lane" in probe.stdout, probe.stdout + probe.stderr
    assert run_dos("init", "--hooks", "hermes", "--scope", "user", "--remove", cwd=ws, env=env).returncode == 0
    assert cfg.read_text() == HERMES_CONFIG


def test_a_comment_inside_a_hermes_event_list_is_refused_not_dropped(tmp_path: Path, run_dos) -> None:
    home = tmp_path / "home"
    cfg = home / ".hermes" / "config.yaml"
    cfg.parent.mkdir(parents=True)
    text = "hooks:\n  pre_tool_call:\n    - command: ./mine.sh   # my own gate\n"
    cfg.write_text(text)
    got = run_dos("init", "--hooks", "hermes", "--scope", "user", cwd=tmp_path, env={"HOME": str(home)})
    assert got.returncode != 0 and "has comments" in got.stderr and "\n" not in got.stderr.strip()
    assert cfg.read_text() == text


def _assert_deny(host: str, code: int, stdout: str, stderr: str, words: str) -> None:
    want_code, envelope = DENY[host]
    out = json.loads(stdout)
    reason = out.get("reason") or out.get("errorMessage") or ""
    assert words in reason, (host, stdout, stderr)
    assert out == envelope(reason), (host, stdout)
    assert code == want_code, (host, code, stdout, stderr)
    assert stderr.strip() == (reason if code == 2 else ""), (host, stderr)
    assert stdout.endswith("\n") and stdout.count("\n") == 1 and stdout.isascii()


@pytest.mark.parametrize("host", HOST_NAMES)
def test_a_write_into_a_lane_another_session_holds_is_denied_in_the_hosts_envelope(ws: Path, host: str) -> None:
    got = call_hook("pretool", PAYLOADS[host](ws, "sess-A", str(ws / "docs" / "guide.md")), dialect=host)
    _assert_deny(host, got.code, got.stdout, got.stderr, "docs/guide.md is inside lane 'docs' held by agentB")


@pytest.mark.parametrize("host", HOST_NAMES)
def test_the_lane_holders_own_write_is_allowed(ws: Path, host: str) -> None:
    got = call_hook("pretool", PAYLOADS[host](ws, "sess-B", str(ws / "docs" / "guide.md")), dialect=host)
    assert (got.code, got.stdout) == (0, ALLOW[host]), (host, got)


@pytest.mark.parametrize("host", HOST_NAMES)
def test_a_write_outside_the_workspace_is_denied(ws: Path, host: str) -> None:
    got = call_hook("pretool", PAYLOADS[host](ws, "sess-A", OUTSIDE), dialect=host)
    _assert_deny(host, got.code, got.stdout, got.stderr, f"{OUTSIDE} is outside the workspace")


@pytest.mark.parametrize("host", HOST_NAMES)
def test_the_real_hook_process_denies_in_the_hosts_envelope(ws: Path, host: str) -> None:
    payload = PAYLOADS[host](ws, "sess-A", str(ws / "docs" / "guide.md"))
    proc = subprocess.run([sys.executable, "-m", "dos.hooks", "pretool", "--dialect", host], input=json.dumps(payload),
                          capture_output=True, text=True, cwd=ws, env=hook_env(), timeout=120)
    _assert_deny(host, proc.returncode, proc.stdout, proc.stderr, "docs/guide.md is inside lane 'docs'")


def test_a_hermes_shell_command_into_a_held_lane_is_blocked(ws: Path) -> None:
    payload = {**hermes(ws, "sess-A", ""), "tool_name": "terminal", "tool_input": {"command": "echo x > docs/a.md"}}
    got = call_hook("pretool", payload, dialect="hermes")
    assert got.code == 2 and got.envelope["decision"] == "block" and "lane 'docs'" in got.envelope["reason"], got


def test_a_hermes_v4a_patch_is_judged_by_the_files_it_names(ws: Path) -> None:
    patch = "*** Begin Patch\n*** Update File: docs/guide.md\n@@\n-# guide\n+# Guide\n*** End Patch\n"
    payload = {**hermes(ws, "sess-A", ""), "tool_name": "patch", "tool_input": {"mode": "patch", "patch": patch}}
    got = call_hook("pretool", payload, dialect="hermes")
    assert got.code == 2 and "docs/guide.md is inside lane 'docs'" in got.envelope["reason"], got
    replace = {"mode": "replace", "path": str(ws / "docs" / "guide.md"), "old_string": "# guide", "new_string": "x"}
    got = call_hook("pretool", {**payload, "tool_input": replace}, dialect="hermes")
    assert got.code == 2 and "docs/guide.md is inside lane 'docs'" in got.envelope["reason"], got


def test_hermes_pre_verify_refuses_the_end_of_an_unbacked_claim_with_exit_0(ws: Path) -> None:
    """pre_verify reads ``decision: block`` from stdout; a non-zero exit there is only a logged warning."""
    payload = {"hook_event_name": "pre_verify", "tool_name": None, "tool_input": None, "session_id": "sess-A",
               "cwd": str(ws), "extra": {"attempt": 0, "coding": True, "changed_paths": ["src/app.py"]}}
    got = call_hook("stop", payload, dialect="hermes")
    assert got.code == 0 and got.envelope["decision"] == "block", got
    assert "claimed AUTH AUTH1" in got.envelope["reason"], got


def test_a_pretool_dialect_ignores_another_hosts_event(ws: Path) -> None:
    """A Cline TaskStart or a Hermes post_tool_call sent to pretool is not a tool call to judge."""
    start = {"hookName": "TaskStart", "taskId": "sess-A", "workspaceRoots": [str(ws)], "taskStart": {}}
    assert call_hook("pretool", start, dialect="cline").code == 0
    post = {**hermes(ws, "sess-A", str(ws / "docs" / "guide.md")), "hook_event_name": "post_tool_call"}
    got = call_hook("pretool", post, dialect="hermes")
    assert (got.code, got.stdout) == (0, ""), got


@pytest.mark.parametrize("host", ["kilo", "cline"])
def test_a_host_without_a_stop_gate_ignores_a_stop_event(ws: Path, host: str) -> None:
    got = call_hook("stop", {"hook_event_name": "Stop", "hookName": "TaskComplete", "session_id": "sess-A",
                             "taskId": "sess-A", "cwd": str(ws)}, dialect=host)
    assert (got.code, got.stdout) == (0, ""), got


def test_the_kilo_plugin_file_names_the_kilo_dialect(tmp_path: Path) -> None:
    """``dos init --hooks kilo`` writes OpenCode's plugin shape into .kilo/plugins/, its commands naming kilo."""
    from dos.hooks.install import install_one
    from dos.service.wiring_base import installed_command

    install_one(tmp_path, SPECS["kilo"])
    text = (tmp_path / ".kilo" / "plugins" / "dos.js").read_text()
    assert "export const DosPlugin" in text
    cmd = installed_command(tmp_path, "kilo", "tool.execute.before")
    assert cmd is not None and "--dialect kilo" in cmd
