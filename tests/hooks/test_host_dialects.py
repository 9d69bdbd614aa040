"""Every host beyond the first five: its documented payload in, its own envelope and exit code out.

For each host: a write into a lane another session holds is denied, the holder's own write is
allowed, a write outside the workspace is denied, and the deny is the envelope that host reads
(stdout JSON shape and exit code). Each host runs once through a real ``python -m dos.hooks``
process; the rest run in-process through the same entry point. Where a host has a stop gate, a
claim git does not back refuses the stop in that host's own words.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import pytest

from tests.hooks.hookkit import call_hook
from tests.hooks.tests_support import hook_env

from dos.service.wiring_base import SPECS

OUTSIDE = "/etc/dos-test-outside"


def cc(event: str, tool: str, args: Callable[[str], dict]) -> Callable[[Path, str, str], dict]:
    """A Claude Code-shaped payload with the host's own event and tool names."""
    return lambda ws, session, target: {"hook_event_name": event, "session_id": session, "cwd": str(ws),
                                        "transcript_path": "", "tool_name": tool, "tool_input": args(target)}


def file_path(t: str) -> dict:
    return {"file_path": t, "content": "x"}


def path_text(t: str) -> dict:
    return {"path": t, "file_text": "x"}


# host -> its pretool payload for (workspace, session, target), as its documentation gives it
PAYLOADS: dict[str, Callable[[Path, str, str], dict]] = {
    "qwen": cc("PreToolUse", "write_file", file_path),
    "factory": cc("PreToolUse", "Create", file_path),
    "codebuddy": lambda ws, s, t: {**cc("PreToolUse", "Write", file_path)(ws, s, t), "call_id": "call_0002",
                                   "tool_use_id": "call_0002", "agent_type": "cli", "client": "CLI",
                                   "permission_mode": "bypassPermissions", "version": "2.163.0"},  # 2.163.0 (e2e)
    "continue": cc("PreToolUse", "Write", lambda t: {"filepath": t, "content": "x"}),
    "devin": cc("PreToolUse", "write", file_path),
    "qoder": cc("PreToolUse", "Write", file_path),
    "grok": cc("PreToolUse", "Edit", lambda t: {"file_path": t, "old_string": "", "new_string": "x"}),
    "kimi": cc("PreToolUse", "Write", lambda t: {"path": t, "content": "x"}),  # as Kimi Code 2.1.0 sends it
    "tabnine": cc("BeforeTool", "write_file", file_path),
    "vibe": cc("pre_tool", "file_system.write_file", file_path),  # as Vibe 3.0.2 sends it (e2e)
    "augment": lambda ws, s, t: {"hook_event_name": "PreToolUse", "conversation_id": s, "workspace_roots": [str(ws)],
                                 "tool_name": "save-file", "tool_input": {"path": t, "file_content": "x"}},
    "openhands": lambda ws, s, t: {"event_type": "PreToolUse", "session_id": s, "working_dir": str(ws),  # 1.16.0's
                                   "tool_name": "file_editor", "tool_response": None, "message": None, "metadata": {},
                                   "tool_input": {"command": "create", **path_text(t), "old_str": None,
                                                  "new_str": None, "insert_line": None, "view_range": None,
                                                  "kind": "FileEditorAction"}},
    "goose": lambda ws, s, t: {"event": "PreToolUse", "session_id": s, "matcher_context": "write",  # as 1.52.0 sends it
                               "tool_call_id": "call_0005", "tool_name": "write",
                               "tool_input": {"path": t, "content": "x"}, "working_dir": str(ws)},
    "crush": lambda ws, s, t: {"event": "PreToolUse", "session_id": s, "cwd": str(ws), "tool_name": "write",
                               "tool_input": file_path(t)},
    "copilot": lambda ws, s, t: {"timestamp": 1767225600000, "cwd": str(ws), "sessionId": s, "toolName": "create",
                                 "toolArgs": json.dumps(path_text(t))},
    "windsurf": lambda ws, s, t: {"agent_action_name": "pre_write_code", "trajectory_id": s, "execution_id": "e1",
                                  "timestamp": "2026-01-01T00:00:00Z",
                                  "tool_info": {"file_path": t, "edits": [{"old_string": "", "new_string": "x"}]}},
    "opencode": lambda ws, s, t: {"hook_event_name": "tool.execute.before", "tool": "write", "sessionID": s,
                                  "callID": "c1", "directory": str(ws), "args": {"filePath": t, "content": "x"}},
}
HOSTS = sorted(PAYLOADS)


def cc_deny(out: Any, reason: str) -> bool:
    return out == {"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": "deny",
                                          "permissionDecisionReason": reason}}


def decision(word: str) -> Callable[[Any, str], bool]:
    return lambda out, reason: out == {"decision": word, "reason": reason}


# host -> (the exit code of its deny, whether its stdout is its deny for REASON)
DENY: dict[str, tuple[int, Callable[[Any, str], bool]]] = {
    **{h: (2, cc_deny) for h in ("qwen", "factory", "codebuddy", "continue", "qoder", "grok", "kimi", "augment")},
    "devin": (2, decision("block")), "goose": (2, decision("block")), "openhands": (2, decision("deny")),
    "tabnine": (0, decision("deny")), "vibe": (0, decision("deny")), "crush": (0, decision("deny")),
    "opencode": (0, decision("deny")),
    "copilot": (0, lambda out, r: out == {"permissionDecision": "deny", "permissionDecisionReason": r,
                                          "hookSpecificOutput": {"hookEventName": "PreToolUse",
                                                                 "permissionDecision": "deny",
                                                                 "permissionDecisionReason": r}}),
    "windsurf": (2, lambda out, r: out is None),
}


def test_every_wired_host_has_a_golden_case() -> None:
    assert set(HOSTS) | {"claude-code", "codex", "cursor", "gemini", "antigravity", "kilo", "cline", "hermes"} == set(SPECS)  # kilo, cline, hermes: test_host_dialects_more
    assert set(DENY) == set(HOSTS)


def _assert_deny(host: str, code: int, stdout: str, stderr: str, words: str) -> None:
    want_code, is_deny = DENY[host]
    out = json.loads(stdout) if stdout.strip() else None
    reason = (out or {}).get("reason") or (out or {}).get("permissionDecisionReason") \
        or ((out or {}).get("hookSpecificOutput") or {}).get("permissionDecisionReason") or stderr.strip()
    assert words in reason, (host, stdout, stderr)
    assert is_deny(out, reason), (host, stdout)
    assert code == want_code, (host, code, stdout, stderr)
    if code == 2:
        assert stderr.strip() == reason, "exit 2 carries the reason on stderr too"
    if stdout:
        assert stdout.endswith("\n") and stdout.count("\n") == 1 and stdout.isascii(), "one line of JSON"


@pytest.mark.parametrize("host", HOSTS)
def test_a_write_into_a_lane_another_session_holds_is_denied_in_the_hosts_envelope(ws: Path, host: str) -> None:
    got = call_hook("pretool", PAYLOADS[host](ws, "sess-A", str(ws / "docs" / "guide.md")), dialect=host)
    _assert_deny(host, got.code, got.stdout, got.stderr, "docs/guide.md is inside lane 'docs' held by agentB")


@pytest.mark.parametrize("host", HOSTS)
def test_the_lane_holders_own_write_is_allowed_silently(ws: Path, host: str) -> None:
    extra = ("--session-id", "sess-B") if host == "copilot" else ()  # Copilot CLI names no session in its payload
    got = call_hook("pretool", PAYLOADS[host](ws, "sess-B", str(ws / "docs" / "guide.md")), dialect=host, extra=extra)
    assert (got.code, got.stdout) == (0, ""), (host, got)


@pytest.mark.parametrize("host", HOSTS)
def test_a_write_outside_the_workspace_is_denied(ws: Path, host: str) -> None:
    got = call_hook("pretool", PAYLOADS[host](ws, "sess-A", OUTSIDE), dialect=host)
    _assert_deny(host, got.code, got.stdout, got.stderr, f"{OUTSIDE} is outside the workspace")


@pytest.mark.parametrize("host", HOSTS)
def test_the_real_hook_process_denies_in_the_hosts_envelope(ws: Path, host: str) -> None:
    """What the host really runs: ``python -m dos.hooks pretool --dialect HOST``, payload on stdin, from the workspace."""
    payload = PAYLOADS[host](ws, "sess-A", str(ws / "docs" / "guide.md"))
    proc = subprocess.run([sys.executable, "-m", "dos.hooks", "pretool", "--dialect", host], input=json.dumps(payload),
                          capture_output=True, text=True, cwd=ws, env=hook_env(), timeout=120)
    _assert_deny(host, proc.returncode, proc.stdout, proc.stderr, "docs/guide.md is inside lane 'docs'")


# --------------------------------------------------------------------------- stop gates

STOP_PAYLOADS = {
    "qwen": {"hook_event_name": "Stop"},
    "factory": {"hook_event_name": "Stop", "transcript_path": "/home/u/.factory/sessions/-ws/sess-A.jsonl",  # 0.215.0
                "permission_mode": "auto-low", "message_id": "56b9b649-7da2-4fde-a314-830a6abe57bd",  # (e2e)
                "tool_execution_count": 0, "elapsed_time": 0},
    "codebuddy": {"hook_event_name": "Stop", "is_truncation_recovery": False, "agent_type": "cli",  # 2.163.0 (e2e)
                  "last_assistant_message": "done", "background_tasks": [], "session_crons": [], "client": "CLI"},
    "continue": {"hook_event_name": "Stop"},
    "qoder": {"hook_event_name": "Stop"}, "kimi": {"hook_event_name": "Stop"}, "augment": {"hook_event_name": "Stop"},
    "devin": {"hook_event_name": "Stop"}, "goose": {"event": "Stop", "matcher_context": None},
    "openhands": {"event_type": "Stop", "tool_name": None, "metadata": {"reason": "agent_finished"}},
    "tabnine": {"hook_event_name": "AfterAgent"}, "vibe": {"hook_event_name": "post_agent"},
    "copilot": {"hook_event_name": "Stop"},
}
STOP_ENVELOPE = {**{h: ({"decision": "block"}, 2) for h in ("qwen", "factory", "codebuddy", "continue", "qoder",
                                                              "kimi", "augment", "devin", "goose")},
                 "openhands": ({"decision": "deny"}, 2), "tabnine": ({"decision": "deny"}, 0),
                 "vibe": ({"decision": "deny"}, 0), "copilot": ({"decision": "block"}, 0)}


def test_the_stop_gate_is_wired_exactly_where_the_host_has_one() -> None:
    for host in HOSTS:
        assert (host in STOP_PAYLOADS) == any(verb == "stop" for _e, verb in SPECS[host].events), host


@pytest.mark.parametrize("host", sorted(STOP_PAYLOADS))
def test_an_unbacked_claim_refuses_the_stop_in_the_hosts_words(ws: Path, host: str) -> None:
    payload = {**STOP_PAYLOADS[host], "session_id": "sess-A", "cwd": str(ws), "working_dir": str(ws),
               "stop_hook_active": False}
    got = call_hook("stop", payload, dialect=host)
    shape, code = STOP_ENVELOPE[host]
    assert got.code == code, (host, got)
    assert {k: got.envelope[k] for k in shape} == shape and "claimed AUTH AUTH1" in got.envelope["reason"], got


def test_factory_droids_own_stop_sequence_is_refused_up_to_the_cap(ws: Path) -> None:
    """Droid 0.215.0 (e2e) sends ``stop_hook_active: false`` on a turn's first stop and true on each stop after a
    hook held one: three refusals in a row (``stop_block_cap``), then the session may end."""
    base = {**STOP_PAYLOADS["factory"], "session_id": "sess-A", "cwd": str(ws)}
    got = [call_hook("stop", {**base, "stop_hook_active": i > 0}, dialect="factory") for i in range(4)]
    assert [g.code for g in got] == [2, 2, 2, 0], got
    assert all(g.envelope["decision"] == "block" and "claimed AUTH AUTH1" in g.envelope["reason"] for g in got[:3])
    assert got[3].stdout == "", got[3]


@pytest.mark.parametrize("host", ["crush", "windsurf", "opencode"])
def test_a_host_without_a_stop_gate_ignores_a_stop_event(ws: Path, host: str) -> None:
    got = call_hook("stop", {"hook_event_name": "Stop", "session_id": "sess-A", "cwd": str(ws)}, dialect=host)
    assert (got.code, got.stdout) == (0, "")


# --------------------------------------------------------------------------- the OpenCode plugin, run by node


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_opencode_plugin_refuses_what_dos_denies_and_passes_the_rest(ws: Path, tmp_path: Path) -> None:
    """DOS's plugin file, loaded by node as OpenCode loads it, runs the hook and throws on a deny."""
    from dos.hooks.install_plugin import plugin_text
    from dos.service.wiring import absolute_command

    plugin = tmp_path / "dos.mjs"
    plugin.write_text(plugin_text({"tool.execute.before": absolute_command("opencode", "pretool")}))
    script = tmp_path / "run.mjs"
    script.write_text(
        f"import {{ DosPlugin }} from {json.dumps(str(plugin))};\n"
        f"const hooks = await DosPlugin({{ directory: {json.dumps(str(ws))} }});\n"
        "for (const [session, file] of [['sess-A', 'docs/guide.md'], ['sess-A', 'src/app.py']]) {\n"
        "  try {\n"
        f"    await hooks['tool.execute.before']({{ tool: 'write', sessionID: session, callID: 'c1' }},\n"
        f"      {{ args: {{ filePath: {json.dumps(str(ws))} + '/' + file, content: 'x' }} }});\n"
        "    console.log('allowed ' + file);\n"
        "  } catch (err) { console.log('refused ' + file + ': ' + err.message); }\n"
        "}\n"
        "console.log(Object.keys(hooks).join(','));\n")
    proc = subprocess.run(["node", str(script)], capture_output=True, text=True, cwd=ws, env=hook_env(), timeout=120)
    lines = proc.stdout.splitlines()
    assert proc.returncode == 0, proc.stderr
    assert lines[0].startswith("refused docs/guide.md: DOS: docs/guide.md is inside lane 'docs'"), lines
    assert lines[1:] == ["allowed src/app.py", "tool.execute.before"], lines


# --------------------------------------------------------------------------- Mistral Vibe, as 3.0.2 really sends it


def vibe(ws: Path, session: str, tool: str, args: dict, event: str = "pre_tool", **more: Any) -> dict:
    return {"session_id": session, "transcript_path": "", "cwd": str(ws), "parent_session_id": None,
            "hook_event_name": event, "tool_name": tool, "tool_call_id": "call_0002", "tool_input": args, **more}


@pytest.mark.parametrize("tool, args", [
    ("file_system.search_replace", {"old_string": "a", "new_string": "b", "replace_all": False}),
    ("file_system.bash", {"command": "echo x > docs/guide.md", "timeout": None}),
])
def test_vibe_edit_and_shell_into_a_held_lane_are_denied(ws: Path, tool: str, args: dict) -> None:
    """Vibe names its builtins by group (``file_system.*``) and hands hooks ``file_path``: the qualified
    names are read as Edit and Bash, not as tools DOS cannot judge."""
    if tool.endswith("search_replace"):
        args = {"file_path": str(ws / "docs" / "guide.md"), **args}
    got = call_hook("pretool", vibe(ws, "sess-A", tool, args), dialect="vibe")
    _assert_deny("vibe", got.code, got.stdout, got.stderr, "docs/guide.md is inside lane 'docs' held by agentB")


def test_vibe_read_file_is_never_judged(ws: Path) -> None:
    got = call_hook("pretool", vibe(ws, "sess-A", "file_system.read_file", {"file_path": str(ws / "docs" / "guide.md")}),
                    dialect="vibe")
    assert (got.code, got.stdout) == (0, ""), got


def test_vibe_post_tool_advice_is_additional_context_never_a_decision(ws: Path) -> None:
    """A post_tool ``decision: deny`` would replace the tool's result; DOS's advice goes in
    ``hook_specific_output.additional_context``, which Vibe appends to the result the model sees."""
    args = {"file_path": str(ws / "src" / "app.py")}
    payload = vibe(ws, "sess-A", "file_system.read_file", args, event="post_tool", tool_status="success",
                   tool_output={"content": "same"}, tool_output_text="same", tool_error=None, duration_ms=0)
    got = [call_hook("posttool", payload, dialect="vibe") for _ in range(3)]
    assert [g.code for g in got] == [0, 0, 0] and got[0].stdout == "", got
    out = got[-1].envelope
    assert set(out) == {"hook_specific_output"} and "decision" not in json.dumps(out), out
    assert "DOS" in out["hook_specific_output"]["additional_context"], out


# --------------------------------------------------------------------------- GitHub Copilot CLI's stop, as 1.0.102 sends it


def copilot_stop(ws: Path, session: str, active: bool) -> dict:
    """What Copilot CLI 1.0.102 (``copilot -p``) writes on a ``Stop`` handler's stdin (recorded in the e2e run)."""
    transcript = f"/home/u/.copilot/session-state/{session}/events.jsonl"
    return {"hook_event_name": "Stop", "session_id": session, "timestamp": "2026-12-03T09:57:40.850Z",
            "cwd": str(ws), "transcript_path": transcript, "stop_reason": "end_turn", "stop_hook_active": active}


def copilot_agent_stop(ws: Path, session: str, active: bool) -> dict:
    """The same stop under its camelCase key ``agentStop``: camelCase fields, but ``stop_hook_active`` all the same."""
    transcript = f"/home/u/.copilot/session-state/{session}/events.jsonl"
    return {"sessionId": session, "timestamp": 1796291860850, "cwd": str(ws), "transcriptPath": transcript,
            "stopReason": "end_turn", "stop_hook_active": active}


@pytest.mark.parametrize("shape", [copilot_stop, copilot_agent_stop])
def test_copilot_stop_is_blocked_on_stdout_at_exit_0_until_dos_cap(ws: Path, shape: Callable) -> None:
    """Copilot sends ``stop_hook_active: false`` on the first stop and true on each re-entry after a block, and
    reads ``{"decision": "block", "reason"}`` at exit 0 (its reason becomes the next user message). DOS refuses
    an unbacked claim three times in a row (stop_block_cap), then lets the fourth stop through, silently."""
    got = [call_hook("stop", shape(ws, "sess-A", i > 0), dialect="copilot") for i in range(4)]
    assert [g.code for g in got] == [0, 0, 0, 0], got
    for g in got[:3]:
        assert set(g.envelope) == {"decision", "reason"} and g.envelope["decision"] == "block", g
        assert "claimed AUTH AUTH1" in g.envelope["reason"] and "git has no commit backing it" in g.envelope["reason"]
    assert got[3].stdout == "", got[3]


@pytest.mark.parametrize("shape", [copilot_stop, copilot_agent_stop])
def test_copilot_stop_of_a_session_with_no_claim_passes_silently(ws: Path, shape: Callable) -> None:
    got = call_hook("stop", shape(ws, "sess-B", False), dialect="copilot")
    assert (got.code, got.stdout) == (0, ""), got
