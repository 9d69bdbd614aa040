"""Goose: the payloads the real CLI sends (``goose`` 1.52.0, read off a plugin hook's stdin in the e2e
workspace), what it does with a hook's answer, and its Stop, which carries no retry flag.

Every tool event is ``{"event", "session_id", "matcher_context", "tool_call_id", "tool_name", "tool_input",
"working_dir"}``; the builtin tools are flat (``write``, ``edit`` with ``before``/``after``, ``shell``,
``tree``). Goose reads exit 0 as an allow only when stdout is empty or ``{"decision": "allow"}``; any
other stdout on exit 0 it logs as a failed hook. The e2e test (tests/e2e/test_goose_e2e.py) runs the
real CLI; these pin the shapes it showed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.hooks.hookkit import call_hook

OUTSIDE = "/etc/dos-test-outside"


def pre(ws: Path, tool: str, args: dict[str, Any], session: str = "sess-A") -> dict[str, Any]:
    """Goose 1.52.0's PreToolUse context, as its hook got it on stdin."""
    return {"event": "PreToolUse", "session_id": session, "matcher_context": tool, "tool_call_id": "call_0005",
            "tool_name": tool, "tool_input": args, "working_dir": str(ws)}


def stop(ws: Path, session: str = "sess-A") -> dict[str, Any]:
    return {"event": "Stop", "session_id": session, "matcher_context": None, "last_assistant_message": "Finished.",
            "working_dir": str(ws)}


def assert_denied(got: Any, words: str) -> None:
    assert got.code == 2, got
    assert got.envelope["decision"] == "block" and words in got.envelope["reason"], got
    assert got.stderr.strip() == got.envelope["reason"], "exit 2 carries the reason on stderr (Goose reads it there)"


def assert_allowed(got: Any) -> None:
    """What Goose takes as an allow: exit 0 and stdout empty or an explicit ``allow``."""
    assert got.code == 0, got
    assert got.stdout == "" or got.envelope.get("decision") == "allow", got


@pytest.mark.parametrize("tool, args", [
    ("write", {"path": "{t}", "content": "x\n"}),
    ("edit", {"path": "{t}", "before": "# guide", "after": "# mine"}),
    ("developer__text_editor", {"command": "write", "path": "{t}", "file_text": "x"}),  # before 1.x's flat tools
])
def test_a_write_into_a_held_lane_is_denied_naming_the_holder(ws: Path, tool: str, args: dict) -> None:
    filled = {k: (str(ws / "docs" / "guide.md") if v == "{t}" else v) for k, v in args.items()}
    got = call_hook("pretool", pre(ws, tool, filled), dialect="goose")
    assert_denied(got, "docs/guide.md is inside lane 'docs' held by agentB")


def test_a_shell_redirect_into_a_held_lane_is_denied_and_a_free_one_passes(ws: Path) -> None:
    got = call_hook("pretool", pre(ws, "shell", {"command": "echo hi > docs/x.txt"}), dialect="goose")
    assert_denied(got, "held by agentB")
    free = call_hook("pretool", pre(ws, "shell", {"command": "echo hi > src/x.txt"}), dialect="goose")
    assert (free.code, free.stdout) == (0, ""), free


def test_the_holders_own_write_passes_silently(ws: Path) -> None:
    got = call_hook("pretool", pre(ws, "write", {"path": str(ws / "docs" / "new.md"), "content": "x"}, "sess-B"),
                    dialect="goose")
    assert (got.code, got.stdout) == (0, ""), got


def test_a_write_outside_the_workspace_is_denied(ws: Path) -> None:
    got = call_hook("pretool", pre(ws, "write", {"path": OUTSIDE, "content": "x"}), dialect="goose")
    assert_denied(got, f"{OUTSIDE} is outside the workspace")


@pytest.mark.parametrize("tool", ["tree", "analyze", "read_image"])
def test_the_builtin_reads_pass_silently(ws: Path, tool: str) -> None:
    got = call_hook("pretool", pre(ws, tool, {"path": str(ws / "docs")}), dialect="goose")
    assert (got.code, got.stdout) == (0, ""), got


def test_a_warning_is_an_explicit_allow_never_a_bare_reason(ws: Path) -> None:
    """A tool DOS cannot read while another session holds a lane warns; Goose would log ``{"reason": ...}``
    on exit 0 as a failed hook, so the warning says ``allow`` with its reason."""
    got = call_hook("pretool", pre(ws, "apps__list_apps", {}), dialect="goose")
    assert_allowed(got)
    assert got.envelope == {"decision": "allow", "reason": got.envelope["reason"]}, got
    assert "cannot tell which files this call writes" in got.envelope["reason"], got


def test_a_stop_without_a_retry_flag_is_refused_at_most_the_cap_in_a_row(ws: Path, repo) -> None:
    """Goose re-prompts at once on a refused stop (up to 8 times) and never says it is a retry: DOS's cap
    (3) holds, and the fourth stop passes."""
    got = [call_hook("stop", stop(ws), dialect="goose") for _ in range(5)]
    assert [g.code for g in got] == [2, 2, 2, 0, 0], got
    assert got[0].envelope["decision"] == "block" and "claimed AUTH AUTH1" in got[0].envelope["reason"], got[0]
    assert all(g.stdout == "" or g.envelope.get("decision") == "allow" for g in got[3:]), got[3:]
    assert call_hook("stop", stop(ws, session="sess-B"), dialect="goose").code == 0, "sess-B claimed nothing"


def test_a_stop_refused_then_verified_starts_the_count_over(ws: Path, repo) -> None:
    assert call_hook("stop", stop(ws), dialect="goose").code == 2
    repo.commit("AUTH1: implement login")
    passed = call_hook("stop", stop(ws), dialect="goose")
    assert (passed.code, passed.stdout) == (0, ""), passed
