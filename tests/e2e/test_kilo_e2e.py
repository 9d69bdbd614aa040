"""Kilo Code (the real ``kilo`` CLI) wired by ``dos init --hooks kilo``, against the fake's Chat Completions API.

Kilo Code is a fork of OpenCode: ``kilo run "<prompt>"`` is its one-shot mode, a user-level
``~/.config/kilo/kilo.json`` names an ``@ai-sdk/openai-compatible`` provider at the fake (no Kilo
account), and DOS's installer writes its OpenCode-style plugin into ``.kilo/plugins/dos.js``.
The committed plugin runs the portable ``dos-hook`` command, so the agent's PATH gets the
pipx-like directory holding only ``dos-hook``. Kilo's own services are switched off and every
other address meets a closed port: nothing leaves 127.0.0.1.

Each test builds the shared workspace (lanes ``api`` and ``web``, bob holding ``api`` from
another session), runs one scripted ``write`` call, and reads the file system and the tool
result Kilo sent back to the model, which must carry DOS's reason.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from e2ekit import (HOLDER, KILO, Workspace, assert_denied_naming, assert_told_outside, dos, json_field, run_host,
                    say, wire)

pytestmark = pytest.mark.slow

CONTENT = "VALUE = 1\n"


def test_kilo_write_into_held_lane_is_denied_naming_holder(ws: Workspace, kilo_cli: Path) -> None:
    """``write api/a.py`` while bob holds api: no file, and the tool result names bob."""
    out = wire(ws, KILO)
    assert (ws.root / ".kilo" / "plugins" / "dos.js").is_file(), out
    target = ws.path("api/a.py")
    run = run_host(KILO, kilo_cli, ws, [KILO.write(ws, target, CONTENT), say("Finished.")])
    assert not target.exists(), f"{target} was written although {HOLDER} holds its lane{run.report()}"
    assert_denied_naming(run)


def test_kilo_holder_writes_its_own_lane_and_not_bobs(ws: Workspace, kilo_cli: Path) -> None:
    """The Kilo session that holds web writes web/own.py, and in the same session bob's api stays closed.

    ``kilo run`` cannot choose a new session's id: a first run opens the session, the lease is
    taken for the ``sessionID`` its JSON events carry, and ``--session`` continues it.
    """
    wire(ws, KILO)
    first = run_host(KILO, kilo_cli, ws, [say("Ready.")], extra_args=["--format", "json"])
    assert first.proc.returncode == 0, first.report()
    session = json_field(first, "sessionID")
    dos(ws.root, "lease-lane", "acquire", "--lane", "web", "--owner", "carol", "--session", session,
        "--ttl-seconds", "3600")
    own, theirs = ws.path("web/own.py"), ws.path("api/a.py")
    script = [KILO.write(ws, own, CONTENT), KILO.write(ws, theirs, CONTENT), say("Finished.")]
    run = run_host(KILO, kilo_cli, ws, script, extra_args=["--session", session])
    assert own.exists() and own.read_text() == CONTENT, f"the holder's own write was refused{run.report()}"
    assert not theirs.exists(), f"{theirs} was written although {HOLDER} holds its lane{run.report()}"
    assert_denied_naming(run)


def test_kilo_write_outside_workspace_is_refused(ws: Workspace, kilo_cli: Path) -> None:
    """A write outside the workspace (Kilo's own external_directory prompt allowed) is refused by DOS."""
    wire(ws, KILO)
    target = ws.outside / "c.py"
    run = run_host(KILO, kilo_cli, ws, [KILO.write(ws, target, CONTENT), say("Finished.")])
    assert not target.exists(), f"{target} (outside the workspace) was written{run.report()}"
    assert_told_outside(run)
