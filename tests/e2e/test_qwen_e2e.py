"""Qwen Code (the real ``qwen`` CLI) wired by ``dos init --hooks qwen``, against the fake's Chat Completions API.

Each test builds the shared workspace (lanes ``api`` and ``web``, bob holding ``api`` from
another session), wires ``.qwen/settings.json`` with the product's installer, and runs
``qwen`` headless (the positional one-shot prompt, ``--approval-mode yolo`` so Qwen's own
approvals are off and DOS is the only gate) with HOME in a temp dir and a PATH without the
venv. The committed settings file holds the portable command, so the agent's PATH gets the
pipx-like directory holding only ``dos-hook``, as the other hosts' project wiring does.

The fake model asks for one ``write_file`` or ``edit`` call; the test then reads the file
system and the tool result Qwen sent back to the model, which must carry DOS's reason.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from e2ekit import HOLDER, QWEN, Run, Workspace, claim_then_commit, dos, run_host, say, wire

pytestmark = pytest.mark.slow

CONTENT = "VALUE = 1\n"
NOT_ON_PATH = "dos-hook is not on PATH"


def assert_denied_naming_holder(run: Run) -> None:
    told = run.result_for(HOLDER)
    assert told is not None and "DOS" in told["text"], \
        f"the model was never told DOS's deny reason naming {HOLDER!r}{run.report()}"
    noise = QWEN.failure_noise(run.proc)
    assert not noise, f"the deny surfaced as a failed hook, not a clean block: {noise}{run.report()}"
    assert run.proc.returncode == 0, f"qwen did not end normally after the deny{run.report()}"


def test_qwen_write_into_held_lane_is_denied_naming_holder(ws: Workspace, qwen_cli: Path) -> None:
    """``write_file api/a.py`` while bob holds api: no file, and the tool result names bob."""
    wire(ws, QWEN, qwen_cli)
    target = ws.path("api/a.py")
    run = run_host(QWEN, qwen_cli, ws, [QWEN.write(ws, target, CONTENT), say("Finished.")])
    assert not target.exists(), f"{target} was written although {HOLDER} holds its lane{run.report()}"
    assert_denied_naming_holder(run)


def test_qwen_edit_into_held_lane_is_denied(ws: Workspace, qwen_cli: Path) -> None:
    """Qwen's ``edit`` tool (old_string -> new_string) on a file in bob's lane: the file is unchanged."""
    wire(ws, QWEN, qwen_cli)
    target = ws.path("api/__init__.py")
    before = target.read_text()
    run = run_host(QWEN, qwen_cli, ws, [QWEN.edit(target, '"""api package."""', '"""hijacked."""'),
                                        say("Finished.")])
    assert target.read_text() == before, f"{target} was edited although {HOLDER} holds its lane{run.report()}"
    assert_denied_naming_holder(run)


def test_qwen_write_into_free_lane_is_allowed(ws: Workspace, qwen_cli: Path) -> None:
    """``write_file web/b.py`` (nobody holds web): written, and no refusal reached the model."""
    wire(ws, QWEN, qwen_cli)
    target = ws.path("web/b.py")
    run = run_host(QWEN, qwen_cli, ws, [QWEN.write(ws, target, CONTENT), say("Finished.")])
    assert target.exists() and target.read_text() == CONTENT, f"{target} was not written{run.report()}"
    res = run.results()
    assert res and not any(HOLDER in r["text"] or "DOS:" in r["text"] for r in res), \
        f"the allowed write was answered with a refusal{run.report()}"
    assert not QWEN.failure_noise(run.proc), run.report()


def test_qwen_holder_writes_its_own_lane_and_not_bobs(ws: Workspace, qwen_cli: Path) -> None:
    """The Qwen session that holds web (``--session-id`` = the lease's session) writes web/own.py;
    in the same session bob's api stays closed. The hook reads the session from Qwen's payload."""
    session = str(uuid.uuid4())
    dos(ws.root, "lease-lane", "acquire", "--lane", "web", "--owner", "carol", "--session", session,
        "--ttl-seconds", "3600")
    wire(ws, QWEN, qwen_cli)
    own, theirs = ws.path("web/own.py"), ws.path("api/a.py")
    script = [QWEN.write(ws, own, CONTENT), QWEN.write(ws, theirs, CONTENT), say("Finished.")]
    run = run_host(QWEN, qwen_cli, ws, script, extra_args=["--session-id", session])
    assert own.exists() and own.read_text() == CONTENT, f"the holder's own write was refused{run.report()}"
    assert not theirs.exists(), f"{theirs} was written although {HOLDER} holds its lane{run.report()}"
    assert_denied_naming_holder(run)
    other = run_host(QWEN, qwen_cli, ws, [QWEN.write(ws, ws.path("web/x.py"), CONTENT), say("Finished.")])
    assert not ws.path("web/x.py").exists(), f"another Qwen session wrote into carol's lane{other.report()}"
    told = other.result_for("carol")
    assert told is not None and "DOS" in told["text"], f"no DOS deny naming carol{other.report()}"


def test_qwen_write_outside_workspace_is_refused(ws: Workspace, qwen_cli: Path) -> None:
    """A write outside the workspace is refused by DOS (yolo approves Qwen's own "outside" prompt), and the
    model is told it is outside."""
    wire(ws, QWEN, qwen_cli)
    target = ws.outside / "c.py"
    run = run_host(QWEN, qwen_cli, ws, [QWEN.write(ws, target, CONTENT), say("Finished.")])
    assert not target.exists(), f"{target} (outside the workspace) was written{run.report()}"
    told = run.result_for("outside the workspace")
    assert told is not None and "DOS" in told["text"], \
        f"the model was not told by DOS that the path is outside the workspace{run.report()}"


def test_qwen_without_dos_hook_on_path_fails_closed(ws: Workspace, qwen_cli: Path) -> None:
    """The committed (portable) command with no ``dos-hook`` on PATH: every write is refused with the one
    line naming the fix (never a 127 that lets it through), and the stop hook does not trap the session."""
    wire(ws, QWEN, qwen_cli, activated=True)
    held, free = ws.path("api/a.py"), ws.path("web/b.py")
    script = [QWEN.write(ws, held, CONTENT), QWEN.write(ws, free, CONTENT), say("Finished.")]
    run = run_host(QWEN, qwen_cli, ws, script, dos_hook_on_path=False)
    assert not held.exists() and not free.exists(), f"a hook that could not run let a write through{run.report()}"
    fix = [r for r in run.results() if NOT_ON_PATH in r["text"]]
    assert len(fix) >= 2, f"the model was not told, for each call, the one line naming the fix{run.report()}"
    assert "dos init --hooks qwen" in fix[0]["text"] and "127" not in fix[0]["text"], run.report()
    assert run.proc.returncode == 0, f"qwen did not end normally (a stop loop?){run.report()}"
    assert len(run.fake.main_requests()) <= 4, f"the stop hook held the session open{run.report()}"


def test_qwen_stop_is_refused_until_dos_verify_agrees(ws: Workspace, qwen_cli: Path) -> None:
    """``dos claim`` for the session makes Qwen's Stop hook refuse "done" until a commit stamps the phase;
    Qwen re-prompts the model with DOS's reason, and once the claim verifies the session ends.

    The session is fixed with ``--session-id``: Qwen Code 0.15.10 never fires SessionStart in headless
    mode (and drops its ``additionalContext`` in every mode), so DOS's session-start context, which
    names the session on the other hosts, does not reach the model. That limit is asserted too.
    """
    wire(ws, QWEN, qwen_cli)
    session = str(uuid.uuid4())
    seen: dict[str, object] = {}

    def observe(text: str) -> None:
        seen.setdefault("context", "DOS referees this repository" in text)

    run = run_host(QWEN, qwen_cli, ws, [claim_then_commit(ws, seen, session, observe)],
                   extra_args=["--session-id", session])
    assert seen.get("refused") == 1, f"the stop was not refused exactly once before the commit: {seen}{run.report()}"
    assert run.proc.returncode == 0, f"qwen did not end once the claim verified{run.report()}"
    assert dos(ws.root, "verify", "AUTH", "AUTH1", check=False).returncode == 0
    assert len(run.fake.main_requests()) <= 3, f"the stop was refused after the claim verified{run.report()}"
    assert seen.get("context") is False, ("DOS's session-start context reached the model: Qwen Code now delivers "
                                          f"SessionStart context headless (the finding changed){run.report()}")


def test_qwen_user_scope_install_denies_with_no_dos_on_path(ws: Workspace, qwen_cli: Path) -> None:
    """``dos init --hooks qwen --scope user`` (the absolute command in ~/.qwen/settings.json) denies bob's lane
    with no DOS on PATH, and writes nothing into the workspace."""
    wire(ws, QWEN, qwen_cli, scope="user")
    assert "hooks" in json.loads((ws.home / ".qwen" / "settings.json").read_text())
    target = ws.path("api/a.py")
    run = run_host(QWEN, qwen_cli, ws, [QWEN.write(ws, target, CONTENT), say("Finished.")], dos_hook_on_path=False)
    assert not target.exists(), f"{target} was written although {HOLDER} holds its lane{run.report()}"
    assert_denied_naming_holder(run)
    assert not (ws.root / ".qwen").exists(), "user scope wrote the workspace"
