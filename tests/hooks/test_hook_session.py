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
