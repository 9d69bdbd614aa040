"""OpenCode (the real ``opencode`` CLI) wired by ``dos init --hooks opencode``, against the fake's Chat Completions API.

Each test builds the shared workspace (lanes ``api`` and ``web``, bob holding ``api`` from
another session), wires ``.opencode/plugins/dos.js`` with the product's installer, and runs
``opencode run "<prompt>"`` (non-interactive) with HOME in a temp dir, a PATH without the venv,
and a user-level ``opencode.json`` naming an ``@ai-sdk/openai-compatible`` provider at the fake.
The committed plugin runs the portable ``dos-hook`` command, so the agent's PATH gets the
pipx-like directory holding only ``dos-hook``, as the other hosts' project wiring does.

The fake model asks for one ``write`` or ``edit`` call; the test then reads the file system and
the tool result OpenCode sent back to the model, which must carry DOS's reason (the plugin
throws it from ``tool.execute.before``, and OpenCode reports the error as the tool's result).
npm is pointed at a closed port for every run: OpenCode needs no download at test time.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from e2ekit import HOLDER, OPENCODE, Run, Workspace, dos, run_host, say, wire

pytestmark = pytest.mark.slow

CONTENT = "VALUE = 1\n"
NOT_ON_PATH = "dos-hook is not on PATH"


def assert_denied_naming(run: Run, holder: str = HOLDER) -> None:
    told = run.result_for(holder)
    assert told is not None and "DOS" in told["text"], \
        f"the model was never told DOS's deny reason naming {holder!r}{run.report()}"
    noise = OPENCODE.failure_noise(run.proc)
    assert not noise, f"the deny surfaced as a failed plugin, not a refused call: {noise}{run.report()}"
    assert run.proc.returncode == 0, f"opencode did not end normally after the deny{run.report()}"


def session_of_run(run: Run) -> str:
    """The session id from ``opencode run --format json`` (every event line carries ``sessionID``)."""
    for line in run.proc.stdout.splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict) and isinstance(event.get("sessionID"), str) and event["sessionID"]:
            return event["sessionID"]
    raise AssertionError(f"no sessionID in opencode's JSON events{run.report()}")


def test_opencode_write_into_held_lane_is_denied_naming_holder(ws: Workspace, opencode_cli: Path) -> None:
    """``write api/a.py`` while bob holds api: no file, and the tool result names bob."""
    wire(ws, OPENCODE)
    assert (ws.root / ".opencode" / "plugins" / "dos.js").is_file()
    target = ws.path("api/a.py")
    run = run_host(OPENCODE, opencode_cli, ws, [OPENCODE.write(ws, target, CONTENT), say("Finished.")])
    assert not target.exists(), f"{target} was written although {HOLDER} holds its lane{run.report()}"
    assert_denied_naming(run)


def test_opencode_edit_into_held_lane_is_denied(ws: Workspace, opencode_cli: Path) -> None:
    """OpenCode's ``edit`` tool (oldString -> newString) on a file in bob's lane: the file is unchanged."""
    wire(ws, OPENCODE)
    target = ws.path("api/__init__.py")
    before = target.read_text()
    script = [OPENCODE.edit(target, '"""api package."""', '"""hijacked."""'), say("Finished.")]
    run = run_host(OPENCODE, opencode_cli, ws, script)
    assert target.read_text() == before, f"{target} was edited although {HOLDER} holds its lane{run.report()}"
    assert_denied_naming(run)


def test_opencode_write_into_free_lane_is_allowed(ws: Workspace, opencode_cli: Path) -> None:
    """``write web/b.py`` (nobody holds web): written, and no refusal reached the model."""
    wire(ws, OPENCODE)
    target = ws.path("web/b.py")
    run = run_host(OPENCODE, opencode_cli, ws, [OPENCODE.write(ws, target, CONTENT), say("Finished.")])
    assert target.exists() and target.read_text() == CONTENT, f"{target} was not written{run.report()}"
    res = run.results()
    assert res and not any(HOLDER in r["text"] or "DOS:" in r["text"] for r in res), \
        f"the allowed write was answered with a refusal{run.report()}"
    assert not OPENCODE.failure_noise(run.proc), run.report()
    assert run.proc.returncode == 0, run.report()


def test_opencode_holder_writes_its_own_lane_and_not_bobs(ws: Workspace, opencode_cli: Path) -> None:
    """The OpenCode session that holds web writes web/own.py; in the same session bob's api stays closed,
    and another session cannot write web. The plugin passes OpenCode's ``sessionID`` to DOS.

    ``opencode run`` has no flag to choose a new session's id, so a first run opens the session, the
    lease is taken for its id, and ``--session`` continues it.
    """
    wire(ws, OPENCODE)
    first = run_host(OPENCODE, opencode_cli, ws, [say("Ready.")], extra_args=["--format", "json"])
    assert first.proc.returncode == 0, first.report()
    session = session_of_run(first)
    dos(ws.root, "lease-lane", "acquire", "--lane", "web", "--owner", "carol", "--session", session,
        "--ttl-seconds", "3600")
    own, theirs = ws.path("web/own.py"), ws.path("api/a.py")
    script = [OPENCODE.write(ws, own, CONTENT), OPENCODE.write(ws, theirs, CONTENT), say("Finished.")]
    run = run_host(OPENCODE, opencode_cli, ws, script, extra_args=["--session", session])
    assert own.exists() and own.read_text() == CONTENT, f"the holder's own write was refused{run.report()}"
    assert not theirs.exists(), f"{theirs} was written although {HOLDER} holds its lane{run.report()}"
    assert_denied_naming(run)
    other = run_host(OPENCODE, opencode_cli, ws, [OPENCODE.write(ws, ws.path("web/x.py"), CONTENT),
                                                  say("Finished.")])
    assert not ws.path("web/x.py").exists(), f"another OpenCode session wrote into carol's lane{other.report()}"
    assert_denied_naming(other, "carol")


def test_opencode_write_outside_workspace_is_refused(ws: Workspace, opencode_cli: Path) -> None:
    """A write outside the workspace (OpenCode's own external_directory prompt allowed) is refused by DOS,
    and the model is told it is outside."""
    wire(ws, OPENCODE)
    target = ws.outside / "c.py"
    run = run_host(OPENCODE, opencode_cli, ws, [OPENCODE.write(ws, target, CONTENT), say("Finished.")])
    assert not target.exists(), f"{target} (outside the workspace) was written{run.report()}"
    told = run.result_for("outside the workspace")
    assert told is not None and "DOS" in told["text"], \
        f"the model was not told by DOS that the path is outside the workspace{run.report()}"


def test_opencode_without_dos_hook_on_path_fails_closed(ws: Workspace, opencode_cli: Path) -> None:
    """The committed (portable) plugin with no ``dos-hook`` on PATH: every write, even into a free lane, is
    refused with the one line naming the fix, never let through."""
    wire(ws, OPENCODE, activated=True)
    held, free = ws.path("api/a.py"), ws.path("web/b.py")
    script = [OPENCODE.write(ws, held, CONTENT), OPENCODE.write(ws, free, CONTENT), say("Finished.")]
    run = run_host(OPENCODE, opencode_cli, ws, script, dos_hook_on_path=False)
    assert not held.exists() and not free.exists(), f"a hook that could not run let a write through{run.report()}"
    fix = [r for r in run.results() if NOT_ON_PATH in r["text"]]
    assert len(fix) >= 2, f"the model was not told, for each call, the one line naming the fix{run.report()}"
    assert "dos init --hooks opencode" in fix[0]["text"], run.report()
    assert run.proc.returncode == 0, f"opencode did not end normally{run.report()}"


def test_opencode_user_scope_install_denies_with_no_dos_on_path(ws: Workspace, opencode_cli: Path) -> None:
    """``dos init --hooks opencode --scope user`` (the absolute command, in OpenCode's user config directory)
    denies bob's lane with no DOS on PATH, and writes nothing into the workspace."""
    wire(ws, OPENCODE, scope="user")
    assert (ws.home / ".config" / "opencode" / "plugins" / "dos.js").is_file(), \
        "user scope did not write ~/.config/opencode/plugins/dos.js"
    target = ws.path("api/a.py")
    run = run_host(OPENCODE, opencode_cli, ws, [OPENCODE.write(ws, target, CONTENT), say("Finished.")],
                   dos_hook_on_path=False)
    assert not target.exists(), f"{target} was written although {HOLDER} holds its lane{run.report()}"
    assert_denied_naming(run)
    assert not (ws.root / ".opencode").exists(), "user scope wrote the workspace"
