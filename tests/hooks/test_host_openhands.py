"""OpenHands: the payloads the real CLI sends (``openhands`` 1.16.0, SDK 1.21.0, read off a hook's stdin in
the e2e workspace), and its Stop, which carries no retry flag.

``tool_input`` is the whole action as OpenHands' pydantic model dumps it: every field present, unused ones
null, plus ``kind``. ``session_id`` is the conversation id, ``working_dir`` the workspace. The e2e test
(tests/e2e/test_openhands_e2e.py) runs the real CLI; these pin the shapes it showed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.hooks.hookkit import call_hook

OUTSIDE = "/etc/dos-test-outside"


def editor(command: str, path: str, **given: Any) -> dict[str, Any]:
    """``file_editor``'s action as OpenHands dumps it into ``tool_input``."""
    action = {"command": command, "path": path, "file_text": None, "old_str": None, "new_str": None,
              "insert_line": None, "view_range": None, "kind": "FileEditorAction"}
    return {**action, **given}


def terminal(command: str) -> dict[str, Any]:
    return {"command": command, "is_input": False, "timeout": None, "reset": False, "kind": "TerminalAction"}


def event(ws: Path, kind: str, session: str = "sess-A", tool: str | None = None, args: Any = None,
          **rest: Any) -> dict[str, Any]:
    """OpenHands' HookEvent, every field present as ``model_dump_json`` writes it."""
    return {"event_type": kind, "tool_name": tool, "tool_input": args, "tool_response": None, "message": None,
            "session_id": session, "working_dir": str(ws), "metadata": {}, **rest}


def pre(ws: Path, tool: str, args: dict[str, Any], session: str = "sess-A") -> dict[str, Any]:
    return event(ws, "PreToolUse", session, tool, args)


def stop(ws: Path, session: str = "sess-A") -> dict[str, Any]:
    return event(ws, "Stop", session, metadata={"reason": "agent_finished"})


def assert_denied(got: Any, words: str) -> None:
    assert got.code == 2, got
    assert got.envelope["decision"] == "deny" and words in got.envelope["reason"], got
    assert got.stderr.strip() == got.envelope["reason"], "exit 2 carries the reason on stderr too"


@pytest.mark.parametrize("action", [
    editor("create", "{t}", file_text="x"),
    editor("str_replace", "{t}", old_str="# guide", new_str="# mine"),
    editor("insert", "{t}", new_str="more", insert_line=1),
    editor("undo_edit", "{t}"),
])
def test_a_file_editor_write_into_a_held_lane_is_denied_naming_the_holder(ws: Path, action: dict) -> None:
    args = {k: (v.format(t=ws / "docs" / "guide.md") if v == "{t}" else v) for k, v in action.items()}
    got = call_hook("pretool", pre(ws, "file_editor", args), dialect="openhands")
    assert_denied(got, "docs/guide.md is inside lane 'docs' held by agentB")


def test_a_file_editor_view_of_a_held_file_is_a_read_and_passes(ws: Path) -> None:
    got = call_hook("pretool", pre(ws, "file_editor", editor("view", str(ws / "docs" / "guide.md"))),
                    dialect="openhands")
    assert (got.code, got.stdout) == (0, ""), got


def test_the_holders_own_file_editor_write_passes(ws: Path) -> None:
    args = editor("create", str(ws / "docs" / "new.md"), file_text="x")
    got = call_hook("pretool", pre(ws, "file_editor", args, session="sess-B"), dialect="openhands")
    assert (got.code, got.stdout) == (0, ""), got


def test_a_file_editor_write_outside_the_workspace_is_denied(ws: Path) -> None:
    got = call_hook("pretool", pre(ws, "file_editor", editor("create", OUTSIDE, file_text="x")), dialect="openhands")
    assert_denied(got, f"{OUTSIDE} is outside the workspace")


def test_a_terminal_write_into_a_held_lane_is_judged_as_a_shell_command(ws: Path) -> None:
    got = call_hook("pretool", pre(ws, "terminal", terminal("echo x > docs/guide.md")), dialect="openhands")
    assert_denied(got, "held by agentB")
    free = call_hook("pretool", pre(ws, "terminal", terminal("echo x > src/new.py")), dialect="openhands")
    assert (free.code, free.stdout) == (0, ""), free


def test_a_stop_without_a_retry_flag_is_refused_at_most_the_cap_in_a_row(ws: Path, repo) -> None:
    """OpenHands re-prompts at once on a refused stop and never says it is a retry: the cap (3) still holds."""
    codes = [call_hook("stop", stop(ws), dialect="openhands").code for _ in range(5)]
    assert codes == [2, 2, 2, 0, 0]
    refused = call_hook("stop", stop(ws, session="sess-B"), dialect="openhands")
    assert refused.code == 0, "sess-B claimed nothing: its stop passes"


def test_a_stop_refused_then_verified_starts_the_count_over(ws: Path, repo) -> None:
    first = call_hook("stop", stop(ws), dialect="openhands")
    assert first.code == 2 and first.envelope["decision"] == "deny" and "claimed AUTH AUTH1" in first.envelope["reason"]
    repo.commit("AUTH1: implement login")
    assert call_hook("stop", stop(ws), dialect="openhands").code == 0
