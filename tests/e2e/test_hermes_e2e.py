"""Hermes Agent (the real ``hermes`` from PyPI) wired by ``dos init --hooks hermes --scope user``, against the
fake's Chat Completions API.

``hermes -z "<prompt>"`` is its one-shot mode; ``~/.hermes/config.yaml`` names a ``custom`` provider at
the fake (no account) and holds the ``hooks:`` block DOS's installer splices in. ``--accept-hooks``
stands for the user's first-use consent, ``--yolo`` for its own approvals (DOS is the only gate), and
every address but 127.0.0.1 meets a closed port.

Each test builds the shared workspace (lanes ``api`` and ``web``, bob holding ``api`` from another
session), runs scripted ``write_file`` calls, and reads the file system and the tool results Hermes
sent back to the model, which must carry DOS's reason.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from e2ekit import HERMES, HOLDER, Workspace, assert_denied_naming, assert_told_outside, run_host, say, wire

pytestmark = pytest.mark.slow

CONTENT = "VALUE = 1\n"


def test_hermes_write_into_held_lane_is_denied_naming_holder(ws: Workspace, hermes_cli: Path) -> None:
    """``write_file api/a.py`` while bob holds api: no file, the tool result names bob, and the run goes on."""
    out = wire(ws, HERMES, scope="user")
    assert "pre_tool_call" in out and (ws.home / ".hermes" / "config.yaml").is_file(), out
    target = ws.path("api/a.py")
    run = run_host(HERMES, hermes_cli, ws, [HERMES.write(ws, target, CONTENT), say("Finished.")])
    assert not target.exists(), f"{target} was written although {HOLDER} holds its lane{run.report()}"
    assert_denied_naming(run)
    assert "Finished." in run.proc.stdout, f"the deny ended the run{run.report()}"


def test_hermes_free_lane_write_stands_and_outside_the_workspace_is_refused(ws: Workspace,
                                                                            hermes_cli: Path) -> None:
    """In one session: a write into the free lane ``web`` lands; one outside the workspace is refused by DOS."""
    wire(ws, HERMES, scope="user")
    free, outside = ws.path("web/free.py"), ws.outside / "h.py"
    run = run_host(HERMES, hermes_cli, ws, [HERMES.write(ws, free, CONTENT), HERMES.write(ws, outside, CONTENT),
                                           say("Finished.")])
    assert free.exists() and free.read_text() == CONTENT, f"a write into a free lane was refused{run.report()}"
    assert not outside.exists(), f"{outside} (outside the workspace) was written{run.report()}"
    assert_told_outside(run)
