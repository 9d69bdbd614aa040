"""session-start tells the agent who holds what; marker holds a looping turn open; stop --json reports."""

from __future__ import annotations

from pathlib import Path

from tests.hooks.hookkit import call_hook


def start(ws: Path, session: str = "sess-A") -> dict:
    return {"session_id": session, "cwd": str(ws), "hook_event_name": "SessionStart", "source": "startup"}


def test_session_start_names_the_holders_the_free_lanes_and_the_command(ws: Path) -> None:
    got = call_hook("session-start", start(ws, "sess-C"))
    assert got.code == 0
    text = got.envelope["hookSpecificOutput"]["additionalContext"]
    assert "'src'" in text and "agentA" in text and "'docs'" in text and "agentB" in text
    assert "dos lease-lane acquire --lane" in text and "--owner sess-C" in text
    mine = call_hook("session-start", start(ws, "sess-A")).envelope["hookSpecificOutput"]["additionalContext"]
    assert "You hold: 'src'" in mine


def test_session_start_for_each_host_that_reads_context(ws: Path) -> None:
    for host in ("claude-code", "codex", "gemini"):
        got = call_hook("session-start", start(ws), dialect=host)
        assert got.envelope["hookSpecificOutput"]["hookEventName"] == "SessionStart", host
    for host in ("cursor", "antigravity"):
        assert call_hook("session-start", start(ws), dialect=host).stdout == ""


def test_marker_holds_the_turn_open_while_armed_up_to_the_budget(ws: Path) -> None:
    stop = {"session_id": "sess-M", "cwd": str(ws), "hook_event_name": "Stop", "stop_hook_active": False}
    assert call_hook("marker", stop).stdout == "", "not armed: the agent may stop"
    codes = [call_hook("marker", stop, extra=("--loop", "--max-markers", "2")).code for _ in range(3)]
    assert codes == [2, 2, 0]
    assert call_hook("marker", stop, extra=("--reset",)).code == 0
    held = call_hook("marker", stop, extra=("--loop", "--json"))
    assert held.envelope["allow_marker"] is True and held.envelope["markers_emitted"] == 1


def test_stop_json_reports_the_claims_checked(ws: Path) -> None:
    stop = {"session_id": "sess-A", "cwd": str(ws), "hook_event_name": "Stop", "stop_hook_active": False}
    got = call_hook("stop", stop, extra=("--json",))
    report = got.envelope
    assert got.code == 0 and report["ok"] is False and report["checked"] == 1
    assert report["results"][0]["plan"] == "AUTH" and report["results"][0]["shipped"] is False
    extra = call_hook("stop", {**stop, "session_id": "sess-Z"}, extra=("--plan", "AUTH", "--phase", "AUTH9"))
    assert extra.code == 2 and "AUTH AUTH9" in extra.stderr


def test_a_session_id_with_a_lone_surrogate_is_judged_not_faulted(ws: Path) -> None:
    """JSON carries ``\\ud800``, UTF-8 cannot: the id is stored as its escape, never an internal fault."""
    odd = "\u2028\ud800?"
    raw = '{"session_id": "\\u2028\\ud800?", "cwd": %s, "hook_event_name": "%s"%s}'
    import json

    where = json.dumps(str(ws))
    write = ', "tool_name": "Write", "tool_input": {"file_path": %s, "content": "x"}' % json.dumps(str(ws / "src/a.py"))
    deny = call_hook("pretool", None, raw=raw % (where, "PreToolUse", write))
    assert deny.code == 2 and "warning" not in deny.stderr and "agentA" in deny.stderr
    for verb, name in (("posttool", "PostToolUse"), ("stop", "Stop"), ("session-start", "SessionStart"),
                       ("marker", "Stop")):
        for dialect in ("claude-code", "gemini"):
            got = call_hook(verb, None, raw=raw % (where, name, write if verb == "posttool" else ""), dialect=dialect)
            assert "warning" not in got.stderr and "Traceback" not in got.stderr, (verb, got.stderr)
            bare = call_hook(verb, None, raw='{"conversation_id": "\\u2028\\ud800?"}', dialect=dialect)
            assert "warning" not in bare.stderr, (verb, dialect, bare.stderr)  # no cwd: the full path
    assert odd.encode("utf-8", "surrogatepass")  # the payload really held a lone surrogate
