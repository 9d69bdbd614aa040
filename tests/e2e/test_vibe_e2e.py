"""Mistral Vibe (the real ``vibe`` 3.0.2 from PyPI) wired by ``dos init --hooks vibe``, against the fake's Chat
Completions API.

``vibe -p PROMPT`` is its headless one-shot mode and ``--auto-approve`` turns its own tool approvals
off (DOS is the only gate). ``~/.vibe/config.toml`` names a generic OpenAI-style provider at the
fake with a fake key from the environment (no Mistral account), and ``~/.vibe/trusted_folders.toml``
holds what the folder-trust prompt saves, since Vibe loads a project's ``.vibe/hooks.toml`` only in a
trusted folder. ``--output streaming`` prints every event as a JSON line, hook notices included,
so a test can tell a deny ("Denied tool ...") from a hook that failed (a warning, or a strict
hook's "(strict)" deny). Every address but 127.0.0.1 meets a closed port.

Each test builds the shared workspace (lanes ``api`` and ``web``, bob holding ``api`` from another
session), runs scripted ``write_file`` and ``edit`` calls, and reads the file system and the tool
results Vibe sent back to the model, which must carry DOS's reason.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any, Sequence

import pytest

from e2ekit import (FAKE_KEY, HOLDER, Host, Run, Workspace, assert_denied_naming, assert_told_outside, call,
                    claim_then_commit, closed_network, dos, run_host, say, wire)
from fakemodel import FakeModel, Turn

pytestmark = pytest.mark.slow

CONTENT = "VALUE = 1\n"
NOT_ON_PATH = "dos-hook is not on PATH"


class Vibe(Host):
    """Mistral Vibe headless (``vibe -p``) against the fake's Chat Completions endpoint, as a ``generic``
    provider in the user's ``config.toml``. Its builtin write tools are ``write_file`` (``path``,
    ``content``) and ``edit`` (``file_path``, ``old_string``, ``new_string``); hooks see them as
    ``file_system.write_file`` and ``file_system.search_replace`` with ``file_path``."""

    MODEL = "fake-coder"

    def write(self, ws: Workspace, target: Path, content: str) -> Turn:
        return call("write_file", path=str(target), content=content)

    def edit(self, target: Path, old: str, new: str) -> Turn:
        return call("edit", file_path=str(target), old_string=old, new_string=new)

    def argv(self, exe: Path, ws: Workspace, prompt: str, extra: Sequence[str] = ()) -> list[str]:
        return [str(exe), "-p", prompt, "--auto-approve", "--output", "streaming", *extra]

    def env(self, ws: Workspace, fake: FakeModel) -> dict[str, str]:
        return {"E2E_FAKE_OPENAI_KEY": FAKE_KEY, "NO_COLOR": "1",
                "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",  # no desktop keyring is asked
                **closed_network()}

    def vibe_home(self, ws: Workspace) -> Path:
        return ws.home / ".vibe"

    def user_config(self, ws: Workspace, fake: FakeModel, *, trust_project: bool = True) -> None:
        home = self.vibe_home(ws)
        home.mkdir(parents=True, exist_ok=True)  # DOS's user-scope hooks.toml may be here already
        (home / "config.toml").write_text(
            f'active_model = "fake"\nenable_telemetry = false\nenable_update_checks = false\n'
            f'enable_auto_update = false\nenable_notifications = false\nenable_connectors = false\n\n'
            f'[experiments]\nenable = false\n\n[session_logging]\ngenerate_titles = false\n\n'
            f'[[providers]]\nname = "e2efake"\napi_base = "{fake.openai_url}"\n'
            f'api_key_env_var = "E2E_FAKE_OPENAI_KEY"\napi_style = "openai"\nbackend = "generic"\n\n'
            f'[[models]]\nname = "{self.MODEL}"\nprovider = "e2efake"\nalias = "fake"\n')
        trusted = [str(ws.root)] if trust_project else []  # what the folder-trust prompt's "Trust" saves
        (home / "trusted_folders.toml").write_text(f"trusted = {json.dumps(trusted)}\nuntrusted = []\n")

    def sessions(self, ws: Workspace) -> list[str]:
        """The sessions Vibe has opened in this HOME (its session log directories)."""
        logs = self.vibe_home(ws) / "logs" / "session" / "unified"
        return sorted(p.name for p in logs.iterdir() if p.is_dir()) if logs.is_dir() else []

    # What Vibe's notice says for an answer a hook gave on purpose: a pre_tool deny (status error), a
    # post_agent retry and a post_tool note (both status warning).
    ANSWERED = ("Denied tool '", "Requested turn revision", "Appended ")

    def failure_noise(self, proc: subprocess.CompletedProcess[str]) -> list[str]:
        """Hook notices that say a hook failed: a strict hook's failure deny ("... (strict)"), or any other
        warning (the failure reason of a hook that failed open and let the call through)."""
        out = []
        for n in hook_notices(proc):
            content = str(n.get("content") or "")
            if content.endswith("(strict)") or (n.get("status") == "warning" and not content.startswith(self.ANSWERED)):
                out.append(f"{n.get('scope')} {n.get('status')}: {content}")
        return out


VIBE = Vibe("vibe", "vibe", "openai-chat")


def events(proc: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    out = []
    for line in proc.stdout.splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict):
            out.append(event)
    return out


def hook_notices(proc: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    """The ``hook_completed`` notices of the run (one per hook that changed something or failed)."""
    return [e["detail"] for e in events(proc) if e.get("type") == "notice" and isinstance(e.get("detail"), dict)
            and e["detail"].get("kind") == "hook_completed"]


def said(run: Run) -> list[str]:
    """Every text the assistant said, in order."""
    return [block.get("text", "") for e in events(run.proc) if e.get("type") == "message" and e.get("role") == "assistant"
            for block in e.get("content") or [] if isinstance(block, dict)]


def test_vibe_write_into_held_lane_is_denied_naming_holder(ws: Workspace, vibe_cli: Path) -> None:
    """``write_file api/a.py`` while bob holds api: no file, the tool result names bob, Vibe shows a deny
    (not a failed hook), and the run goes on to its final answer."""
    out = wire(ws, VIBE)
    assert "pre_tool" in out and ws.path(".vibe/hooks.toml").is_file(), out
    target = ws.path("api/a.py")
    run = run_host(VIBE, vibe_cli, ws, [VIBE.write(ws, target, CONTENT), say("Finished.")])
    assert not target.exists(), f"{target} was written although {HOLDER} holds its lane{run.report()}"
    assert_denied_naming(run)
    assert any(n.get("hookName") == "dos-pretool" and n.get("content") == "Denied tool 'write_file'"
               for n in hook_notices(run.proc)), f"Vibe did not report DOS's deny as a deny{run.report()}"
    assert said(run)[-1:] == ["Finished."], f"the deny ended the run{run.report()}"


def test_vibe_edit_into_held_lane_is_denied(ws: Workspace, vibe_cli: Path) -> None:
    """Vibe's ``edit`` (``search_replace`` to hooks) on a file in bob's lane: the file is unchanged."""
    wire(ws, VIBE)
    target = ws.path("api/__init__.py")
    before = target.read_text()
    run = run_host(VIBE, vibe_cli, ws, [VIBE.edit(target, '"""api package."""', '"""hijacked."""'),
                                        say("Finished.")])
    assert target.read_text() == before, f"{target} was edited although {HOLDER} holds its lane{run.report()}"
    assert_denied_naming(run)


def test_vibe_free_lane_write_stands_and_outside_the_workspace_is_refused(ws: Workspace, vibe_cli: Path) -> None:
    """In one session: a write into the free lane ``web`` lands; one outside the workspace is refused by DOS."""
    wire(ws, VIBE)
    free, outside = ws.path("web/free.py"), ws.outside / "v.py"
    run = run_host(VIBE, vibe_cli, ws, [VIBE.write(ws, free, CONTENT), VIBE.write(ws, outside, CONTENT),
                                        say("Finished.")])
    assert free.exists() and free.read_text() == CONTENT, f"a write into a free lane was refused{run.report()}"
    assert not outside.exists(), f"{outside} (outside the workspace) was written{run.report()}"
    assert_told_outside(run)
    assert not VIBE.failure_noise(run.proc), run.report()


def test_vibe_user_scope_install_denies_with_no_dos_on_path(ws: Workspace, vibe_cli: Path) -> None:
    """``dos init --hooks vibe --scope user`` (the absolute command in ~/.vibe/hooks.toml) denies bob's lane
    with no DOS on PATH and in an untrusted folder (a user's hooks run everywhere), writing nothing into
    the workspace."""
    wire(ws, VIBE, scope="user")
    assert (VIBE.vibe_home(ws) / "hooks.toml").is_file()
    target = ws.path("api/a.py")
    run = run_host(VIBE, vibe_cli, ws, [VIBE.write(ws, target, CONTENT), say("Finished.")], dos_hook_on_path=False,
                   trust_project=False)
    assert not target.exists(), f"{target} was written although {HOLDER} holds its lane{run.report()}"
    assert_denied_naming(run)
    assert not ws.path(".vibe").exists(), "user scope wrote the workspace"


def test_vibe_without_dos_hook_on_path_fails_closed(ws: Workspace, vibe_cli: Path) -> None:
    """The committed (portable) command with no ``dos-hook`` on PATH exits 2. Vibe runs a failed pre_tool
    hook as an allow unless it is ``strict``, which DOS's installer sets: every write is refused with the
    one line naming the fix, and the session still ends."""
    wire(ws, VIBE, activated=True)
    held, free = ws.path("api/a.py"), ws.path("web/b.py")
    run = run_host(VIBE, vibe_cli, ws, [VIBE.write(ws, held, CONTENT), VIBE.write(ws, free, CONTENT),
                                        say("Finished.")], dos_hook_on_path=False)
    assert not held.exists() and not free.exists(), f"a hook that could not run let a write through{run.report()}"
    fix = [r for r in run.results() if NOT_ON_PATH in r["text"]]
    assert len(fix) >= 2, f"the model was not told, for each call, the one line naming the fix{run.report()}"
    assert "dos init --hooks vibe" in fix[0]["text"], run.report()
    assert run.proc.returncode == 0, f"vibe did not end normally{run.report()}"
    assert len(run.fake.main_requests()) <= 4, f"the stop hook held the session open{run.report()}"


def test_vibe_in_an_untrusted_folder_runs_no_project_hooks(ws: Workspace, vibe_cli: Path) -> None:
    """Vibe's own rule, asserted so a change shows: in a folder the user never trusted, the project's
    ``.vibe/hooks.toml`` is not loaded and the write into bob's lane goes through, silently."""
    wire(ws, VIBE)
    target = ws.path("api/a.py")
    run = run_host(VIBE, vibe_cli, ws, [VIBE.write(ws, target, CONTENT), say("Finished.")], trust_project=False)
    assert target.exists(), f"project hooks ran in an untrusted folder (Vibe's trust rule changed){run.report()}"
    assert not hook_notices(run.proc), run.report()


def test_vibe_stop_is_refused_until_dos_verify_agrees(ws: Workspace, vibe_cli: Path) -> None:
    """``dos claim`` for the session makes Vibe's post_agent hook refuse "done" until a commit stamps the
    phase; Vibe retries the turn with DOS's reason as feedback, and once the claim verifies the session ends.

    Vibe has no option naming a new session, and no session-start hook to tell the model its id, so
    the claim is made during the run for the one session Vibe's own session log lists.
    """
    wire(ws, VIBE)
    seen: dict[str, Any] = {}

    def session() -> str:
        sessions = VIBE.sessions(ws)
        assert len(sessions) == 1, sessions
        return sessions[0]

    run = run_host(VIBE, vibe_cli, ws, [claim_then_commit(ws, seen, session)])
    assert seen.get("refused") == 1, f"the stop was not refused exactly once before the commit: {seen}{run.report()}"
    assert run.proc.returncode == 0, f"vibe did not end once the claim verified{run.report()}"
    assert dos(ws.root, "verify", "AUTH", "AUTH1", check=False).returncode == 0
    assert len(run.fake.main_requests()) <= 3, f"the stop was refused after the claim verified{run.report()}"
    assert said(run)[-1:] == ["Committed AUTH1; it verifies now."], run.report()
    assert not VIBE.failure_noise(run.proc), run.report()
