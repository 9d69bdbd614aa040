"""Factory Droid (the real ``droid`` CLI) wired by ``dos init --hooks factory``, against the fake's Chat Completions API.

``droid exec --skip-permissions-unsafe`` runs one-shot with Droid's own autonomy gate off, so DOS
is the only gate. The model is a BYOK custom model (``customModels`` in ``~/.factory/settings.json``,
provider ``generic-chat-completion-api``, ``baseUrl`` at the fake): no Factory account. DOS's
installer writes the hooks into ``.factory/settings.json`` (Droid 0.215.0 ignores a ``hooks``
object inside ``.factory/hooks.json``, which DOS used to write) with the portable command, so the
agent's PATH gets the pipx-like directory holding only ``dos-hook``. Droid 0.215.0 runs a
project's hooks in ``exec`` mode without a folder-trust step.

Each test builds the shared workspace (lanes ``api`` and ``web``, bob holding ``api`` from
another session), runs a scripted ``Create`` call, and reads the file system and the tool result
Droid sent back to the model, which must carry DOS's reason.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from e2ekit import (DROID, HOLDER, Workspace, assert_denied_naming, assert_told_outside, dos, dynamic, json_field,
                    run_host, say, wire)

pytestmark = pytest.mark.slow

CONTENT = "VALUE = 1\n"


def test_droid_write_into_held_lane_is_denied_naming_holder(ws: Workspace, droid_cli: Path) -> None:
    """``Create api/a.py`` while bob holds api: no file, and the tool result names bob."""
    out = wire(ws, DROID)
    wired = json.loads((ws.root / ".factory" / "settings.json").read_text())
    assert "PreToolUse" in wired["hooks"], out
    assert not (ws.root / ".factory" / "hooks.json").exists(), "DOS wrote the hooks.json Droid does not read"
    target = ws.path("api/a.py")
    run = run_host(DROID, droid_cli, ws, [DROID.write(ws, target, CONTENT), say("Finished.")])
    assert not target.exists(), f"{target} was written although {HOLDER} holds its lane{run.report()}"
    assert_denied_naming(run)


def test_droid_holder_writes_its_own_lane_and_not_bobs(ws: Workspace, droid_cli: Path) -> None:
    """The Droid session that holds web writes web/own.py, and in the same session bob's api stays closed.

    ``droid exec`` can neither choose a new session's id nor resume one offline (``--session-id``
    fetches the session from Factory's service), so the lease is taken during the run: at the
    model's first turn the session's id is read from the transcript Droid keeps under
    ``~/.factory/sessions/`` and carol takes web for it. The hook reads the session from Droid's payload.
    """
    wire(ws, DROID)
    own, theirs = ws.path("web/own.py"), ws.path("api/a.py")
    sessions: list[str] = []

    def take_web_then_write(_request: str):
        found = sorted((ws.home / ".factory" / "sessions").glob("*/*.jsonl"))
        assert len(found) == 1, f"expected one Droid session transcript, found {found}"
        sessions.append(found[0].stem)
        dos(ws.root, "lease-lane", "acquire", "--lane", "web", "--owner", "carol", "--session", found[0].stem,
            "--ttl-seconds", "3600")
        return DROID.write(ws, own, CONTENT)

    script = [dynamic(take_web_then_write), DROID.write(ws, theirs, CONTENT), say("Finished.")]
    run = run_host(DROID, droid_cli, ws, script, extra_args=["-o", "json"])
    assert sessions and json_field(run, "session_id") == sessions[0], \
        f"the transcript read was not this run's session {sessions}{run.report()}"
    assert own.exists() and own.read_text() == CONTENT, f"the holder's own write was refused{run.report()}"
    assert not theirs.exists(), f"{theirs} was written although {HOLDER} holds its lane{run.report()}"
    assert_denied_naming(run)


def test_droid_write_outside_workspace_is_refused(ws: Workspace, droid_cli: Path) -> None:
    """A write outside the workspace (Droid's own gate off) is refused by DOS, and the model is told why."""
    wire(ws, DROID)
    target = ws.outside / "c.py"
    run = run_host(DROID, droid_cli, ws, [DROID.write(ws, target, CONTENT), say("Finished.")])
    assert not target.exists(), f"{target} (outside the workspace) was written{run.report()}"
    assert_told_outside(run)
