"""CodeBuddy Code (Tencent's ``codebuddy`` CLI, 2.163.0) wired by ``dos init --hooks codebuddy``, against the
fake's Chat Completions API.

The npm registry this suite reaches has no ``@tencent-ai/codebuddy-code``; the CLI comes from PyPI instead:
``codebuddy-agent-sdk`` 0.3.274 ships the same CodeBuddy Code binary (``codebuddy-headless``, which reports
2.163.0 and takes the CLI's own options) inside its wheel, and ``.ci/install-agent-pypi`` puts it in a venv.

``codebuddy -p "<prompt>" -y`` is its one-shot mode with its own permission prompts off, so DOS is the only
gate. ``~/.codebuddy/models.json`` names a custom model whose ``url`` is the fake's ``/chat/completions``
(no CodeBuddy account, no login). The hooks are DOS's, in ``.codebuddy/settings.json`` (Claude Code's
schema), written by the product's installer. CodeBuddy writes a log of every hook it runs under
``~/.codebuddy/logs/``: a hook that failed (any exit but 0 and 2) shows there as a "non-blocking error",
so the tests read it to prove a deny was a clean block and not a crash.

Each test builds the shared workspace (lanes ``api`` and ``web``, bob holding ``api`` from another
session), runs scripted tool calls, and reads the file system and the tool results CodeBuddy sent back to
the model, which must carry DOS's reason.
"""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from e2ekit import (FAKE_KEY, HOLDER, Host, Run, Workspace, assert_denied_naming, assert_told_outside, call,
                    closed_network, dos, dynamic, git, run_host, say, wire)
from fakemodel import FakeModel, Turn

pytestmark = pytest.mark.slow

CONTENT = "VALUE = 1\n"
REFUSED = "git has no commit backing it"  # the stop hook's reason while a claim does not verify
NOT_ON_PATH = "dos-hook is not on PATH"
CONTEXT = "DOS referees this repository"  # the first words of DOS's session-start context


@dataclass(frozen=True)
class CodeBuddy(Host):
    """CodeBuddy Code (``codebuddy -p "<prompt>" -y --model M``) against the fake's Chat Completions API,
    through a custom model in ``~/.codebuddy/models.json`` (no account)."""

    MODEL = "fake-coder"

    def write(self, ws: Workspace, target: Path, content: str) -> Turn:
        return call("Write", file_path=str(target), content=content)

    def edit(self, target: Path, old: str, new: str) -> Turn:
        return call("Edit", file_path=str(target), old_string=old, new_string=new)

    def bash(self, command: str) -> Turn:
        return call("Bash", command=command, description="run a command")

    def argv(self, exe: Path, ws: Workspace, prompt: str, extra: Sequence[str] = ()) -> list[str]:
        # Text output: only the final answer on stdout (the JSON output also replays the prompts).
        return [str(exe), "-p", prompt, "--model", self.MODEL, "-y", "--output-format", "text", *extra]

    def env(self, ws: Workspace, fake: FakeModel) -> dict[str, str]:
        return {"NO_COLOR": "1", "DISABLE_AUTOUPDATER": "1", "DISABLE_TELEMETRY": "1",
                "DISABLE_ERROR_REPORTING": "1", **closed_network()}

    def user_config(self, ws: Workspace, fake: FakeModel, *, trust_project: bool = True) -> None:
        cdir = ws.home / ".codebuddy"  # DOS's user-scope hooks live in settings.json beside it, untouched
        cdir.mkdir(parents=True, exist_ok=True)
        model = {"id": self.MODEL, "name": "e2e fake", "vendor": "e2e", "apiKey": FAKE_KEY,
                 "url": fake.openai_url + "/chat/completions", "maxInputTokens": 128000, "maxOutputTokens": 8192,
                 "supportsToolCall": True, "supportsImages": False}
        (cdir / "models.json").write_text(json.dumps({"models": [model], "availableModels": [self.MODEL]}, indent=2))

    def failure_noise(self, proc: subprocess.CompletedProcess[str]) -> list[str]:
        return [ln for ln in (proc.stdout + proc.stderr).splitlines()
                if "hook" in ln.lower() and ("fail" in ln.lower() or "error" in ln.lower())]

    def hook_log(self, ws: Workspace) -> list[str]:
        """Every line of CodeBuddy's own log about the hooks it ran (spawned, exited, blocked)."""
        lines: list[str] = []
        for log in sorted((ws.home / ".codebuddy" / "logs").glob("*/*.log")):
            lines += [ln for ln in log.read_text(errors="replace").splitlines() if "Hook" in ln]
        return lines

    def hook_failures(self, ws: Workspace) -> list[str]:
        """The hooks CodeBuddy logged as failed: a non-blocking error (exit 1, 127, ...) or a timeout."""
        return [ln for ln in self.hook_log(ws) if "non-blocking error" in ln or "timedOut=true" in ln]


CB = CodeBuddy("codebuddy", "codebuddy", "openai-chat")


def assert_clean_block(run: Run) -> None:
    """DOS's deny naming bob reached the model, and CodeBuddy logged it as a block, not a failed hook."""
    assert_denied_naming(run)
    failed = CB.hook_failures(run.ws)
    assert not failed, f"CodeBuddy logged a failed hook: {failed}{run.report()}"
    assert any("Hook blocked with exit code 2" in ln for ln in CB.hook_log(run.ws)), \
        f"CodeBuddy did not log the deny as a blocking hook{run.report()}"


def test_codebuddy_write_into_held_lane_is_denied_naming_holder(ws: Workspace, codebuddy_cli: Path) -> None:
    """``Write api/a.py`` while bob holds api: no file, the tool result names bob, and the run goes on."""
    out = wire(ws, CB)
    assert "PreToolUse" in out and (ws.root / ".codebuddy" / "settings.json").is_file(), out
    target = ws.path("api/a.py")
    run = run_host(CB, codebuddy_cli, ws, [CB.write(ws, target, CONTENT), say("Finished.")])
    assert not target.exists(), f"{target} was written although {HOLDER} holds its lane{run.report()}"
    assert_clean_block(run)
    assert "Finished." in run.proc.stdout, f"the deny ended the run{run.report()}"
    first = json.dumps(run.fake.main_requests()[0].body)
    assert CONTEXT in first and HOLDER in first, f"DOS's session-start context did not reach the model{run.report()}"


def test_codebuddy_edit_and_shell_redirect_into_held_lane_are_denied(ws: Workspace, codebuddy_cli: Path) -> None:
    """CodeBuddy's ``Edit`` (file_path, old_string -> new_string) and a ``Bash`` redirect into bob's lane:
    the file is unchanged and nothing new appears there."""
    wire(ws, CB)
    target, shell = ws.path("api/__init__.py"), ws.path("api/shell.py")
    before = target.read_text()
    script = [CB.edit(target, '"""api package."""', '"""hijacked."""'), CB.bash("echo X = 1 > api/shell.py"),
              say("Finished.")]
    run = run_host(CB, codebuddy_cli, ws, script)
    assert target.read_text() == before, f"{target} was edited although {HOLDER} holds its lane{run.report()}"
    assert not shell.exists(), f"a shell redirect wrote {shell} in {HOLDER}'s lane{run.report()}"
    told = [r for r in run.results() if HOLDER in r["text"] and "DOS" in r["text"]]
    assert len(told) == 2, f"the model was not told DOS's reason for both calls{run.report()}"
    assert_clean_block(run)


def test_codebuddy_free_lane_write_stands_and_outside_the_workspace_is_refused(
        ws: Workspace, codebuddy_cli: Path) -> None:
    """In one session: a write into the free lane ``web`` lands; one outside the workspace is refused by DOS."""
    wire(ws, CB)
    free, outside = ws.path("web/free.py"), ws.outside / "c.py"
    run = run_host(CB, codebuddy_cli, ws, [CB.write(ws, free, CONTENT), CB.write(ws, outside, CONTENT),
                                           say("Finished.")])
    assert free.exists() and free.read_text() == CONTENT, f"a write into a free lane was refused{run.report()}"
    assert not outside.exists(), f"{outside} (outside the workspace) was written{run.report()}"
    assert_told_outside(run)
    assert not CB.hook_failures(ws), run.report()
    assert run.proc.returncode == 0 and "Finished." in run.proc.stdout, run.report()


def test_codebuddy_user_scope_from_a_subdirectory_gives_context_and_denies(
        ws: Workspace, codebuddy_cli: Path) -> None:
    """Wired for the user and started in ``web/``: DOS's session-start context (bob's lane, the command naming
    this session) reaches the model although CodeBuddy's SessionStart payload carries no ``cwd``, and bob's
    lane stays closed."""
    wire(ws, CB, scope="user")
    session = str(uuid.uuid4())
    target = ws.path("api/a.py")
    run = run_host(CB, codebuddy_cli, ws, [CB.write(ws, target, CONTENT), say("Finished.")],
                   extra_args=["--session-id", session], cwd=ws.path("web"), dos_hook_on_path=False)
    first = json.dumps(run.fake.main_requests()[0].body)
    assert CONTEXT in first and HOLDER in first and f"--session {session}" in first, \
        f"DOS's session-start context (naming {HOLDER} and the session) did not reach the model{run.report()}"
    assert not target.exists(), f"{target} was written although {HOLDER} holds its lane{run.report()}"
    assert_clean_block(run)


def test_codebuddy_reads_project_hooks_only_where_it_starts(ws: Workspace, codebuddy_cli: Path) -> None:
    """CodeBuddy Code 2.163.0 reads ``.codebuddy/settings.json`` from the directory it starts in, not from the
    repository root: started in ``web/``, none of DOS's project hooks run (the installer says so and points at
    ``--scope user``). Asserted so that the day CodeBuddy finds the root's file, this fails and the note goes."""
    out = wire(ws, CB)
    assert "only in the directory it starts in" in out, out
    target = ws.path("api/a.py")
    run = run_host(CB, codebuddy_cli, ws, [CB.write(ws, target, CONTENT), say("Finished.")], cwd=ws.path("web"))
    assert run.proc.returncode == 0, run.report()
    ran = [ln for ln in CB.hook_log(ws) if "dos-hook" in ln]
    assert not ran and target.exists(), ("CodeBuddy ran the workspace root's hooks from a subdirectory: the "
                                         f"finding changed, drop the installer's note{run.report()}")


def test_codebuddy_stop_is_refused_until_dos_verify_agrees(ws: Workspace, codebuddy_cli: Path) -> None:
    """``dos claim`` for the session makes CodeBuddy's Stop hook refuse "done"; CodeBuddy hands the model DOS's
    reason as "Stop hook feedback", the model commits, and once the claim verifies the session ends."""
    wire(ws, CB)
    session = str(uuid.uuid4())
    seen: dict[str, object] = {}

    def turn(text: str):
        if REFUSED not in text:
            dos(ws.root, "claim", "AUTH", "AUTH1", "--session", session)
            return say("AUTH1 is shipped.")
        seen["refused"] = seen.get("refused", 0) + 1  # type: ignore[operator]
        if not seen.get("committed"):
            git(ws.root, "commit", "-q", "--allow-empty", "-m", "AUTH1: ship the login")
            seen["committed"] = True
        return say("Committed AUTH1; it verifies now.")

    run = run_host(CB, codebuddy_cli, ws, [dynamic(turn)], extra_args=["--session-id", session])
    assert seen.get("refused") == 1, f"the stop was not refused exactly once before the commit: {seen}{run.report()}"
    assert run.proc.returncode == 0, f"codebuddy did not end once the claim verified{run.report()}"
    assert dos(ws.root, "verify", "AUTH", "AUTH1", check=False).returncode == 0
    assert len(run.fake.main_requests()) == 2, f"the stop was refused after the claim verified{run.report()}"
    assert "Committed AUTH1" in run.proc.stdout, f"the model's answer after the refusal was not printed{run.report()}"
    assert not CB.hook_failures(ws), run.report()


def test_codebuddy_stop_that_never_verifies_is_let_go_after_the_cap(ws: Workspace, codebuddy_cli: Path) -> None:
    """Never a loop: a model that keeps saying "shipped" without a commit is refused stop_block_cap (3) times,
    because CodeBuddy marks each retry ``stop_hook_active``; then DOS lets the session stop."""
    wire(ws, CB)
    session = str(uuid.uuid4())
    dos(ws.root, "claim", "AUTH", "AUTH1", "--session", session)
    run = run_host(CB, codebuddy_cli, ws, [say("AUTH1 is shipped.")], extra_args=["--session-id", session])
    assert run.proc.returncode == 0, f"codebuddy did not end after the refusals{run.report()}"
    requests = run.fake.main_requests()
    assert len(requests) == 4, f"expected the first answer and 3 refused stops, got {len(requests)}{run.report()}"
    assert json.dumps(requests[-1].body).count(REFUSED) == 3, run.report()
    assert dos(ws.root, "verify", "AUTH", "AUTH1", check=False).returncode != 0


def test_codebuddy_stop_without_a_claim_ends_at_once(ws: Workspace, codebuddy_cli: Path) -> None:
    """No claim for the session: the Stop hook lets the turn end on the first answer (one model request)."""
    wire(ws, CB)
    run = run_host(CB, codebuddy_cli, ws, [say("Nothing to do.")])
    assert run.proc.returncode == 0 and "Nothing to do." in run.proc.stdout, run.report()
    assert len(run.fake.main_requests()) == 1, f"the stop hook re-prompted a session with no claim{run.report()}"
    assert any("dos-hook stop --dialect codebuddy" in ln for ln in CB.hook_log(ws)), \
        f"CodeBuddy never ran DOS's Stop hook{run.report()}"


def test_codebuddy_without_dos_hook_on_path_fails_closed(ws: Workspace, codebuddy_cli: Path) -> None:
    """The committed (portable) command with no ``dos-hook`` on PATH: every write is refused with the one line
    naming the fix (never a 127 that CodeBuddy would let through), and the stop hook does not trap the session."""
    wire(ws, CB, activated=True)
    held, free = ws.path("api/a.py"), ws.path("web/b.py")
    script = [CB.write(ws, held, CONTENT), CB.write(ws, free, CONTENT), say("Finished.")]
    run = run_host(CB, codebuddy_cli, ws, script, dos_hook_on_path=False)
    assert not held.exists() and not free.exists(), f"a hook that could not run let a write through{run.report()}"
    fix = [r for r in run.results() if NOT_ON_PATH in r["text"]]
    assert len(fix) == 2, f"the model was not told, for each call, the one line naming the fix{run.report()}"
    assert "dos init --hooks codebuddy" in fix[0]["text"], run.report()
    assert run.proc.returncode == 0 and len(run.fake.main_requests()) == 3, f"a stop loop?{run.report()}"


def test_codebuddy_user_scope_install_denies_with_no_dos_on_path(ws: Workspace, codebuddy_cli: Path) -> None:
    """``dos init --hooks codebuddy --scope user`` (the absolute command in ~/.codebuddy/settings.json) denies
    bob's lane with no DOS on PATH, and writes no hooks file into the workspace."""
    wire(ws, CB, scope="user")
    assert "PreToolUse" in json.loads((ws.home / ".codebuddy" / "settings.json").read_text())["hooks"]
    target = ws.path("api/a.py")
    run = run_host(CB, codebuddy_cli, ws, [CB.write(ws, target, CONTENT), say("Finished.")],
                   dos_hook_on_path=False)
    assert not target.exists(), f"{target} was written although {HOLDER} holds its lane{run.report()}"
    assert_clean_block(run)
    assert not (ws.root / ".codebuddy" / "settings.json").exists(), "user scope wrote the workspace's hooks file"
