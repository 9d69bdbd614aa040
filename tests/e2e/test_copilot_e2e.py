"""GitHub Copilot CLI (the real ``copilot``) wired by ``dos init --hooks copilot``, in offline BYOK mode.

``copilot -p "<prompt>" --allow-all-tools --allow-all-paths`` runs one-shot with Copilot's own
approvals off, so DOS is the only gate. ``COPILOT_PROVIDER_BASE_URL`` points it at the fake's
Chat Completions endpoint and ``COPILOT_OFFLINE=true`` turns off GitHub sign-in, telemetry, web
tools and the update check: no GitHub account is involved. The user's ``config.json`` trusts the
workspace, as the interactive folder-trust answer saves it. DOS's installer writes
``.github/hooks/dos.json`` with the portable command, so the agent's PATH gets the pipx-like
directory holding only ``dos-hook``.

Each test builds the shared workspace (lanes ``api`` and ``web``, bob holding ``api`` from
another session), runs a scripted ``create`` call, and reads the file system and the tool result
Copilot sent back to the model, which must carry DOS's reason.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from e2ekit import (COPILOT, HOLDER, Workspace, assert_denied_naming, assert_told_outside, dos, run_host, say,
                    wire)

pytestmark = pytest.mark.slow

CONTENT = "VALUE = 1\n"


def test_copilot_write_into_held_lane_is_denied_naming_holder(ws: Workspace, copilot_cli: Path) -> None:
    """``create api/a.py`` while bob holds api: no file, and the tool result names bob."""
    out = wire(ws, COPILOT)
    wired = json.loads((ws.root / ".github" / "hooks" / "dos.json").read_text())
    assert "preToolUse" in wired["hooks"] or "PreToolUse" in wired["hooks"], out
    target = ws.path("api/a.py")
    run = run_host(COPILOT, copilot_cli, ws, [COPILOT.write(ws, target, CONTENT), say("Finished.")])
    assert not target.exists(), f"{target} was written although {HOLDER} holds its lane{run.report()}"
    assert_denied_naming(run)


def test_copilot_holder_writes_its_own_lane_and_not_bobs(ws: Workspace, copilot_cli: Path) -> None:
    """The Copilot session that holds web (``--session-id`` = the lease's session) writes web/own.py; in the
    same session bob's api stays closed. The hook reads the session from Copilot's payload."""
    session = str(uuid.uuid4())
    dos(ws.root, "lease-lane", "acquire", "--lane", "web", "--owner", "carol", "--session", session,
        "--ttl-seconds", "3600")
    wire(ws, COPILOT)
    own, theirs = ws.path("web/own.py"), ws.path("api/a.py")
    script = [COPILOT.write(ws, own, CONTENT), COPILOT.write(ws, theirs, CONTENT), say("Finished.")]
    run = run_host(COPILOT, copilot_cli, ws, script, extra_args=["--session-id", session])
    assert own.exists() and own.read_text() == CONTENT, f"the holder's own write was refused{run.report()}"
    assert not theirs.exists(), f"{theirs} was written although {HOLDER} holds its lane{run.report()}"
    assert_denied_naming(run)
    other = run_host(COPILOT, copilot_cli, ws, [COPILOT.write(ws, ws.path("web/x.py"), CONTENT), say("Finished.")])
    assert not ws.path("web/x.py").exists(), f"another Copilot session wrote into carol's lane{other.report()}"
    assert_denied_naming(other, "carol")


def test_copilot_write_outside_workspace_is_refused(ws: Workspace, copilot_cli: Path) -> None:
    """A write outside the workspace (``--allow-all-paths`` lets Copilot itself allow it) is refused by DOS."""
    wire(ws, COPILOT)
    target = ws.outside / "c.py"
    run = run_host(COPILOT, copilot_cli, ws, [COPILOT.write(ws, target, CONTENT), say("Finished.")])
    assert not target.exists(), f"{target} (outside the workspace) was written{run.report()}"
    assert_told_outside(run)


def test_copilot_runs_project_hooks_only_in_a_trusted_folder_and_user_scope_always(ws: Workspace,
                                                                                   copilot_cli: Path) -> None:
    """Copilot CLI 1.0.102 skips a repository's ``.github/hooks`` until the folder is trusted (the write goes
    through, silently), which ``dos init`` says in its note; ``--scope user`` (``$COPILOT_HOME/hooks/dos.json``,
    the absolute command) denies in the same untrusted folder with no DOS on PATH."""
    out = wire(ws, COPILOT)
    assert "trusted" in out, f"dos init did not say Copilot needs the folder trusted:\n{out}"
    target = ws.path("api/a.py")
    untrusted = run_host(COPILOT, copilot_cli, ws, [COPILOT.write(ws, target, CONTENT), say("Finished.")],
                         trust_project=False)
    assert target.exists(), ("Copilot ran the project's hooks in an untrusted folder: the finding changed, "
                             f"update docs/hosts.md{untrusted.report()}")
    target.unlink()
    wire(ws, COPILOT, scope="user")
    run = run_host(COPILOT, copilot_cli, ws, [COPILOT.write(ws, target, CONTENT), say("Finished.")],
                   trust_project=False, dos_hook_on_path=False)
    assert not target.exists(), f"{target} was written although {HOLDER} holds its lane{run.report()}"
    assert_denied_naming(run)
