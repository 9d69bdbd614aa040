"""Cline (the real ``cline`` CLI) wired by ``dos init --hooks cline``, against the fake's Chat Completions API.

``cline --json "<prompt>"`` is Cline's one-shot mode (tools auto-approved), a user-level
``~/.cline/data/settings/providers.json`` names an ``openai-compatible`` provider at the fake (what
``cline auth -p openai-compatible -b URL`` saves; no Cline account), and DOS's installer writes its
plugin into ``.cline/plugins/dos.js``. The committed plugin runs the portable ``dos-hook`` command,
so the agent's PATH gets the pipx-like directory holding only ``dos-hook``. Telemetry and update
checks are off and every other address meets a closed port: nothing leaves 127.0.0.1.

Each test builds the shared workspace (lanes ``api`` and ``web``, bob holding ``api`` from
another session), runs one scripted ``editor`` call, and reads the file system and the tool
result Cline sent back to the model, which must carry DOS's reason.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from e2ekit import (CLINE, HOLDER, Workspace, assert_denied_naming, assert_told_outside, call, dos, dynamic,
                    run_host, say, wire)
from fakemodel import Turn

pytestmark = pytest.mark.slow

CONTENT = "VALUE = 1\n"


def test_cline_write_into_held_lane_is_denied_naming_holder(ws: Workspace, cline_cli: Path) -> None:
    """``editor api/a.py`` while bob holds api: no file, the tool result names bob, and the run goes on."""
    out = wire(ws, CLINE)
    assert (ws.root / ".cline" / "plugins" / "dos.js").is_file(), out
    target = ws.path("api/a.py")
    run = run_host(CLINE, cline_cli, ws, [CLINE.write(ws, target, CONTENT), say("Finished.")])
    assert not target.exists(), f"{target} was written although {HOLDER} holds its lane{run.report()}"
    assert_denied_naming(run)
    assert '"finishReason":"completed"' in run.proc.stdout, f"the deny ended the run{run.report()}"


def test_cline_holder_writes_its_own_lane_and_not_bobs(ws: Workspace, cline_cli: Path) -> None:
    """The Cline session that holds web writes web/own.py, and in the same session bob's api stays closed.

    ``cline`` cannot choose a session's id, and 3.0.65 resumes one (``--id``) only in its terminal
    UI. So the run opens with a read; when the model gets its result, the id ``cline history --json``
    lists for the running session takes lane web, and the model then writes.
    """
    wire(ws, CLINE)
    taken: list[str] = []

    def take_web_then_write(_request: str) -> Turn:
        if not taken:
            running = [s for s in CLINE.sessions(cline_cli, ws) if s.get("status") == "running"]
            assert len(running) == 1, running
            taken.append(running[0]["sessionId"])
            dos(ws.root, "lease-lane", "acquire", "--lane", "web", "--owner", "carol", "--session", taken[0],
                "--ttl-seconds", "3600")
        return CLINE.write(ws, own, CONTENT)

    own, theirs = ws.path("web/own.py"), ws.path("api/a.py")
    script = [call("read_files", files=[{"path": str(ws.path("README.md"))}]), dynamic(take_web_then_write),
              CLINE.write(ws, theirs, CONTENT), say("Finished.")]
    run = run_host(CLINE, cline_cli, ws, script)
    assert taken, f"the run never reached its second turn{run.report()}"
    assert own.exists() and own.read_text() == CONTENT, f"the holder's own write was refused{run.report()}"
    assert not theirs.exists(), f"{theirs} was written although {HOLDER} holds its lane{run.report()}"
    assert_denied_naming(run)


def test_cline_write_outside_workspace_is_refused(ws: Workspace, cline_cli: Path) -> None:
    """A write outside the workspace (Cline's editor takes any absolute path) is refused by DOS."""
    wire(ws, CLINE)
    target = ws.outside / "c.py"
    run = run_host(CLINE, cline_cli, ws, [CLINE.write(ws, target, CONTENT), say("Finished.")])
    assert not target.exists(), f"{target} (outside the workspace) was written{run.report()}"
    assert_told_outside(run)
